package rlhf4j.transformer.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.dist.Collective;
import rlhf4j.tensor.dist.Collectives;
import rlhf4j.transformer.gpt2.Gpt2;

/**
 * {@code ParallelTrainChild sft|pretrain RESULT STEPS [CHECKPOINT save|resume]}: a tiny training run on however many
 * ranks mpirun started (see ParallelTrainingTest). Rank 0 writes the losses, the final val loss and the weights to
 * RESULT; every rank prints whether all ranks hold identical weights. "save" writes a checkpoint after the steps,
 * "resume" starts from one.
 */
public final class ParallelTrainChild {
    /** What a run ends with. */
    record Outcome(List<Double> losses, double val, Map<String, float[]> weights) {}

    public static void main(String[] args) throws IOException {
        Collective world = Collectives.world();
        Path ckpt = args.length > 3 ? Path.of(args[3]) : null;
        CausalLmTrainer t = trainer(world, args[0], ckpt, args.length > 4 && args[4].equals("resume"));
        Outcome o = run(t, Integer.parseInt(args[2]), ckpt, args.length > 4 && args[4].equals("save"));
        boolean same = t.parallel() == null || t.parallel().parametersIdentical();
        System.out.println("rank " + world.rank() + " of " + world.size() + " identical weights: " + same);
        if (world.isRoot()) write(o, Path.of(args[1]));
        world.close();
    }

    static TrainConfig config() {
        return new TrainConfig(4, 8, 2, 6, 3e-3, 3e-4, 2, 6, 0.1, 0.9, 0.99, 1.0, 0, 2, 5);
    }

    static CausalLmTrainer trainer(Collective world, String mode, Path ckpt, boolean resume) throws IOException {
        TrainConfig c = config();
        Gpt2 model = resume ? (Gpt2) TrainingCheckpoint.loadForResume(ckpt, Device.CPU) : new Gpt2(CausalLmTrainerTest.TINY, 1);
        Map<String, BatchSource> eval = new LinkedHashMap<>();
        CausalLmTrainer t;
        if (mode.equals("sft")) {
            eval.put("val", new SftBatches(sftExamples(40, 2), 3, c.blockSize(), 10, 9));
            t = new CausalLmTrainer(model, c, new SftBatches(sftExamples(60, 1), c.batchSize(), c.blockSize(), 10, 5),
                    eval, world);
        } else {
            int[][] split = TokenWindows.split(CausalLmTrainerTest.corpus(600), 0.9);
            eval.put("val", new TokenWindows(split[1], c.batchSize(), c.blockSize(), 7));
            t = new CausalLmTrainer(model, c, new TokenWindows(split[0], c.batchSize(), c.blockSize(), 5), eval, world);
        }
        if (resume) TrainingCheckpoint.restore(ckpt, t);
        return t;
    }

    /** Prompts of 1–4 digits answered by the next 1–4 digits: rows with different numbers of scored tokens. */
    static List<SftExample> sftExamples(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<SftExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int start = r.nextInt(10), p = 1 + r.nextInt(4), q = 1 + r.nextInt(4);
            int[] prompt = new int[p], response = new int[q];
            for (int k = 0; k < p; k++) prompt[k] = (start + k) % 10;
            for (int k = 0; k < q; k++) response[k] = (start + p + k) % 10;
            out.add(new SftExample(prompt, response));
        }
        return out;
    }

    static Outcome run(CausalLmTrainer t, int steps, Path ckpt, boolean save) throws IOException {
        List<Double> losses = new ArrayList<>();
        for (int i = 0; i < steps; i++) losses.add(t.trainStep().loss());
        double val = t.evaluate().get("val");
        if (save) {
            if (t.world().isRoot())
                TrainingCheckpoint.save(ckpt, t, TrainingCheckpointTest.TOK, Map.of(TrainingCheckpoint.RUN_DROPOUT, "0.0",
                        TrainingCheckpoint.RUN_MODEL_SEED, "1"));
            t.world().barrier();
        }
        return new Outcome(losses, val, CausalLmTrainerTest.weights((Gpt2) t.model()));
    }

    static void write(Outcome o, Path file) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (double l : o.losses) sb.append("loss ").append(l).append('\n');
        sb.append("val ").append(o.val).append('\n');
        o.weights.forEach((k, v) -> {
            sb.append("w ").append(k);
            for (float f : v) sb.append(' ').append(f);
            sb.append('\n');
        });
        Files.writeString(file, sb);
    }

    static Outcome read(Path file) throws IOException {
        List<Double> losses = new ArrayList<>();
        double val = Double.NaN;
        Map<String, float[]> w = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] f = line.split(" ");
            switch (f[0]) {
                case "loss" -> losses.add(Double.parseDouble(f[1]));
                case "val" -> val = Double.parseDouble(f[1]);
                default -> {
                    float[] v = new float[f.length - 2];
                    for (int i = 0; i < v.length; i++) v[i] = Float.parseFloat(f[i + 2]);
                    w.put(f[1], v);
                }
            }
        }
        return new Outcome(losses, val, w);
    }
}
