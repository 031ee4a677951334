package rlhf4j.rlhf.dist;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a training run ends with, as a child process writes it for its test: a curve of numbers and the weights. */
public record RunOutcome(List<Double> curve, Map<String, float[]> weights) {

    public void write(Path file) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (double v : curve) sb.append("c ").append(v).append('\n');
        weights.forEach((k, v) -> {
            sb.append("w ").append(k);
            for (float f : v) sb.append(' ').append(f);
            sb.append('\n');
        });
        Files.writeString(file, sb);
    }

    public static RunOutcome read(Path file) throws IOException {
        List<Double> curve = new ArrayList<>();
        Map<String, float[]> w = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] f = line.split(" ");
            if (f[0].equals("c")) curve.add(Double.parseDouble(f[1]));
            else {
                float[] v = new float[f.length - 2];
                for (int i = 0; i < v.length; i++) v[i] = Float.parseFloat(f[i + 2]);
                w.put(f[1], v);
            }
        }
        return new RunOutcome(curve, w);
    }
}
