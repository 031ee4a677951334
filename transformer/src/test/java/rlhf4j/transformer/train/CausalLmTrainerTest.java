package rlhf4j.transformer.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import rlhf4j.autograd.Grad;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.transformer.gpt2.Gpt2;
import rlhf4j.transformer.gpt2.GptConfig;

class CausalLmTrainerTest {
    static final GptConfig TINY = new GptConfig(2, 2, 16, 8, 11, 0.0);

    /** A corpus with structure to learn: 0 1 2 … 9 0 1 2 … with a random token now and then. */
    static int[] corpus(int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = i % 37 == 0 ? 10 : i % 10;
        return t;
    }

    static TrainConfig config(int iters, int gradAccum, double weightDecay) {
        return new TrainConfig(4, 8, gradAccum, iters, 3e-3, 3e-4, 2, iters, weightDecay, 0.9, 0.99, 1.0, 3, 2, 5);
    }

    static CausalLmTrainer trainer(Gpt2 model, TrainConfig c) {
        int[][] split = TokenWindows.split(corpus(600), 0.9);
        Map<String, BatchSource> eval = new LinkedHashMap<>();
        eval.put("train", new TokenWindows(split[0], c.batchSize(), c.blockSize(), c.seed() + 1));
        eval.put("val", new TokenWindows(split[1], c.batchSize(), c.blockSize(), c.seed() + 2));
        return new CausalLmTrainer(model, c, new TokenWindows(split[0], c.batchSize(), c.blockSize(), c.seed()), eval);
    }

    static List<Double> losses(CausalLmTrainer t, int steps) {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < steps; i++) out.add(t.trainStep().loss());
        return out;
    }

    static Map<String, float[]> weights(Gpt2 m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    @Test void sameSeedGivesTheSameLossesBitForBit() {
        GptConfig withDropout = new GptConfig(2, 2, 16, 8, 11, 0.1);
        List<Double> a = losses(trainer(new Gpt2(withDropout, 1), config(6, 2, 0.1)), 6);
        List<Double> b = losses(trainer(new Gpt2(withDropout, 1), config(6, 2, 0.1)), 6);
        assertEquals(a, b);
        assertNotEquals(a, losses(trainer(new Gpt2(withDropout, 2), config(6, 2, 0.1)), 6));
    }

    @Test void lossFallsOnALearnableCorpus() {
        CausalLmTrainer t = trainer(new Gpt2(TINY, 1), config(40, 1, 0.0));
        double before = t.evaluate().get("val");
        losses(t, 40);
        double after = t.evaluate().get("val");
        assertTrue(before > 2.2 && after < before - 0.5, "val loss " + before + " → " + after);
        assertEquals(after, t.bestValLoss());
    }

    @Test void stepsFollowTheWarmupCosineSchedule() {
        TrainConfig c = config(6, 1, 0.0);
        CausalLmTrainer t = trainer(new Gpt2(TINY, 1), c);
        for (int s = 0; s < 6; s++) {
            CausalLmTrainer.StepResult r = t.trainStep();
            assertEquals(c.schedule().lr(s), r.lr());
            assertEquals(s + 1, r.step());
            assertEquals(32, r.tokens());
            assertTrue(r.gradNorm() > 0);
        }
        assertEquals(0.0015, c.schedule().lr(0), 1e-12);                           // warmup: lr·(s+1)/warmup
        assertEquals(3e-4, c.schedule().lr(6), 1e-12);
    }

    @Test void evaluationIsDueEveryIntervalAndAtTheEnd() {
        CausalLmTrainer t = trainer(new Gpt2(TINY, 1), config(7, 1, 0.0));      // eval interval 3
        List<Integer> due = new ArrayList<>();
        for (int s = 0; s < 7; s++) {
            t.trainStep();
            if (t.evaluationDue()) due.add(t.step());
        }
        assertEquals(List.of(3, 6, 7), due);
    }

    /** The loss is the mean of −log softmax(logits)[target] over scored targets only, computed here in double. */
    @Test void lossIsTheMeanNegativeLogLikelihoodOfScoredTargets() {
        Gpt2 m = new Gpt2(TINY, 3);
        CausalLmTrainer t = trainer(m, config(2, 1, 0.0));
        int[][] x = {{1, 2, 3, 4, 5, 0}, {6, 7, 8, 9, 0, 0}};
        int[][] y = {{-100, -100, 4, 5, 6, -100}, {-100, 8, 9, 10, -100, -100}};
        Batch b = new Batch(x, y);
        try (var ng = Grad.off(); var s = MemoryScope.open()) {
            double got = t.loss(b).item();
            float[] logits = m.forward(b.inputTensor(m.device()), null).value().toFloatArray();   // (2, 6, 11)
            double sum = 0;
            int n = 0;
            for (int r = 0; r < 2; r++)
                for (int p = 0; p < 6; p++) {
                    if (y[r][p] == Batch.IGNORE) continue;
                    int base = (r * 6 + p) * 11;
                    double max = Double.NEGATIVE_INFINITY, z = 0;
                    for (int v = 0; v < 11; v++) max = Math.max(max, logits[base + v]);
                    for (int v = 0; v < 11; v++) z += Math.exp(logits[base + v] - max);
                    sum += -(logits[base + y[r][p]] - max - Math.log(z));
                    n++;
                }
            assertEquals(6, n);
            assertEquals(sum / n, got, 1e-5);
            // a different prompt token changes nothing before it; the padding input after the last target changes nothing
            int[][] x2 = {{1, 2, 3, 4, 5, 9}, {6, 7, 8, 9, 0, 3}};
            assertEquals(got, t.loss(new Batch(x2, y)).item(), 0.0, "inputs after the last scored position are never seen");
        }
    }

    /** Two micro-batches of 2 rows accumulate the gradient of one batch of 4 (the micro losses are halved). */
    @Test void gradientAccumulationEqualsTheWholeBatch() {
        int[][] x = new int[4][8], y = new int[4][8];
        for (int r = 0; r < 4; r++)
            for (int p = 0; p < 8; p++) {
                x[r][p] = (r * 3 + p) % 11;
                y[r][p] = (r * 3 + p + 1) % 11;
            }
        Batch whole = new Batch(x, y);
        Batch[] halves = {new Batch(new int[][]{x[0], x[1]}, new int[][]{y[0], y[1]}),
                new Batch(new int[][]{x[2], x[3]}, new int[][]{y[2], y[3]})};
        Gpt2 a = new Gpt2(TINY, 4), b = new Gpt2(TINY, 4);
        TrainConfig one = new TrainConfig(4, 8, 1, 1, 1e-2, 1e-3, 0, 1, 0.1, 0.9, 0.99, 0.0, 0, 1, 1);
        TrainConfig two = new TrainConfig(2, 8, 2, 1, 1e-2, 1e-3, 0, 1, 0.1, 0.9, 0.99, 0.0, 0, 1, 1);
        double la = new CausalLmTrainer(a, one, i -> whole, Map.of()).trainStep().loss();
        double lb = new CausalLmTrainer(b, two, i -> halves[(int) i], Map.of()).trainStep().loss();
        assertEquals(la, lb, 1e-6);
        Map<String, float[]> wa = weights(a), wb = weights(b);
        for (String k : wa.keySet()) assertArrayEquals(wa.get(k), wb.get(k), 1e-6f, k);
        assertFalse(java.util.Arrays.equals(wa.get("wte.weight"), weights(new Gpt2(TINY, 4)).get("wte.weight")), "it trained");
    }

    /** nanoGPT decays matrices and embeddings, not biases or LayerNorm parameters. */
    @Test void weightDecayTouchesMatricesOnly() {
        Gpt2 plain = new Gpt2(TINY, 1), decayed = new Gpt2(TINY, 1);
        trainer(plain, config(2, 1, 0.0)).trainStep();
        trainer(decayed, config(2, 1, 50.0)).trainStep();
        Map<String, float[]> p = weights(plain), d = weights(decayed);
        for (String k : p.keySet()) {
            boolean matrix = plain.stateDict().get(k).dim() >= 2;
            assertEquals(matrix, !java.util.Arrays.equals(p.get(k), d.get(k)), k);
        }
    }

    /** The gradients the trainer steps on equal central differences of its loss, for entries of every kind of tensor. */
    @Test void gradientsMatchFiniteDifferences() {
        Gpt2 m = new Gpt2(new GptConfig(1, 2, 8, 6, 7, 0.0), 11);
        CausalLmTrainer t = trainer(m, config(2, 1, 0.0));
        Batch b = new Batch(new int[][]{{1, 2, 3, 4, 5, 6}, {6, 5, 0, 3, 2, 1}}, new int[][]{{2, 3, 4, 5, 6, 0}, {5, -100, 3, 2, 1, 4}});
        m.zeroGrad();
        try (var s = MemoryScope.open()) {
            t.loss(b).backward();
        }
        String[] names = {"wte.weight", "wpe.weight", "h.0.ln_1.weight", "h.0.ln_1.bias", "h.0.attn.c_attn.weight",
                "h.0.attn.c_attn.bias", "h.0.attn.c_proj.weight", "h.0.mlp.c_fc.weight", "h.0.mlp.c_proj.bias", "ln_f.weight"};
        var params = m.namedParameters();
        for (String name : names) {
            var p = params.get(name);
            float[] grad = p.grad().toFloatArray(), w = p.value().toFloatArray();
            for (int k = 0; k < 3; k++) {
                int i = (int) ((k * 7919L + name.length() * 31L) % w.length);
                double h = 1e-2;
                double up = lossWith(t, b, p, w, i, w[i] + h), down = lossWith(t, b, p, w, i, w[i] - h);
                p.set(Tensor.of(w, p.value().shape()));
                double numeric = (up - down) / (2 * h);
                assertEquals(numeric, grad[i], 2e-3 + 2e-2 * Math.abs(numeric), name + "[" + i + "]");
            }
        }
    }

    private static double lossWith(CausalLmTrainer t, Batch b, rlhf4j.autograd.Parameter p, float[] w, int i, double value) {
        float[] changed = w.clone();
        changed[i] = (float) value;
        try (var ng = Grad.off(); var s = MemoryScope.open()) {
            p.set(Tensor.of(changed, p.value().shape()));
            return t.loss(b).item();
        }
    }

    @Test void stepTemporariesAreFreed() {
        CausalLmTrainer t = trainer(new Gpt2(TINY, 1), config(3, 2, 0.1));
        t.trainStep();                                                              // creates the long-lived grads and moments
        try (MemoryScope outer = MemoryScope.open()) {
            t.trainStep();
            t.evaluate();
            assertEquals(0, outer.ownedCount(), "every temporary lives in an inner scope");
        }
    }
}
