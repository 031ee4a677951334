package rlhf4j.transformer.generate;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.Comparator;
import org.junit.jupiter.api.Test;
import rlhf4j.tensor.CounterRng;

class SamplerTest {
    /** The distribution by its definition, with full sorts: the reference for the fast selection and cut. */
    static double[] reference(float[] logits, SamplingConfig c) {
        int v = logits.length;
        double[] z = new double[v];
        for (int i = 0; i < v; i++) z[i] = logits[i] / (c.isGreedy() ? 1 : c.temperature());
        if (!c.isGreedy() && c.topK() > 0 && c.topK() < v) {
            double[] sorted = z.clone();
            Arrays.sort(sorted);
            double kth = sorted[v - c.topK()];
            for (int i = 0; i < v; i++) if (z[i] < kth) z[i] = Double.NEGATIVE_INFINITY;
        }
        double[] p = softmax(z);
        if (!c.isGreedy() && c.topP() < 1) {
            Integer[] order = new Integer[v];
            for (int i = 0; i < v; i++) order[i] = i;
            Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -p[i]).thenComparingInt(i -> i));
            double cum = 0;
            boolean[] keep = new boolean[v];
            for (int j = 0; j < v && cum < c.topP(); j++) { keep[order[j]] = true; cum += p[order[j]]; }
            for (int i = 0; i < v; i++) if (!keep[i]) z[i] = Double.NEGATIVE_INFINITY;
        }
        double[] q = softmax(z);
        for (int i = 0; i < v; i++) q[i] = Math.log(q[i]);
        return q;
    }

    static double[] softmax(double[] z) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (double x : z) max = Math.max(max, x);
        double[] p = new double[z.length];
        for (int i = 0; i < z.length; i++) { p[i] = Math.exp(z[i] - max); sum += p[i]; }
        for (int i = 0; i < z.length; i++) p[i] /= sum;
        return p;
    }

    @Test void distributionsMatchTheirDefinition() {
        int v = 300;
        for (long seed = 0; seed < 20; seed++) {
            float[] logits = new float[v];
            for (int i = 0; i < v; i++) logits[i] = 3 * CounterRng.normal(seed, i);
            for (SamplingConfig c : new SamplingConfig[]{new SamplingConfig(1, 0, 1, 1, -1), new SamplingConfig(0.7, 17, 1, 1, -1),
                    new SamplingConfig(1.3, 0, 0.8, 1, -1), new SamplingConfig(0.9, 50, 0.5, 1, -1), new SamplingConfig(1, 0, 0.001, 1, -1),
                    SamplingConfig.greedy(1, -1)}) {
                float[] got = new float[v];
                new Sampler(c, v).logProbs(logits, 0, got);
                double[] ref = reference(logits, c);
                for (int i = 0; i < v; i++)
                    if (Double.isInfinite(ref[i])) assertEquals(Float.NEGATIVE_INFINITY, got[i], c + " token " + i);
                    else assertEquals(ref[i], got[i], 1e-4, c + " token " + i);
            }
        }
    }

    @Test void kthLargestByQuickselect() {
        for (long seed = 0; seed < 30; seed++) {
            float[] a = new float[1 + (int) (seed * 7 % 97)];
            for (int i = 0; i < a.length; i++) a[i] = (float) Math.floor(5 * CounterRng.uniform(seed, i));   // many ties
            float[] sorted = a.clone();
            Arrays.sort(sorted);
            for (int k = 1; k <= a.length; k++) assertEquals(sorted[a.length - k], Sampler.kthLargest(a.clone(), k));
        }
    }

    @Test void drawsFollowTheDistribution() {
        float[] logits = {0f, (float) Math.log(3), Float.NEGATIVE_INFINITY, (float) Math.log(6)};   // p = 0.1, 0.3, 0, 0.6
        Sampler s = new Sampler(new SamplingConfig(1, 0, 1, 1, -1), 4);
        int[] counts = new int[4];
        float[] lp = new float[1];
        for (int i = 0; i < 20000; i++) counts[s.next(logits, 0, CounterRng.uniform(5, i), lp)]++;
        assertEquals(0, counts[2]);
        assertEquals(0.1, counts[0] / 20000.0, 0.01);
        assertEquals(0.3, counts[1] / 20000.0, 0.015);
        assertEquals(0.6, counts[3] / 20000.0, 0.015);
    }
}
