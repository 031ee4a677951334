package rlhf4j.autograd.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import rlhf4j.autograd.Parameter;
import rlhf4j.autograd.Variable;
import rlhf4j.autograd.nn.Linear;
import rlhf4j.autograd.nn.Sequential;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;

/** End-to-end: a small MLP trains reproducibly and learns. */
class TrainingTest {

    static Sequential mlp(int in, int hidden, int out, long seed) {
        return new Sequential(new Linear(in, hidden, true, seed), Sequential.of(Variable::tanh),
                new Linear(hidden, out, true, seed + 1));
    }

    /** Regression target: y = sin(2 x0) + x1·x2 for x in [−1, 1)³. */
    static Tensor[] regressionBatch(long seed, int n) {
        float[] x = Tensor.rand(seed, -1f, 1f, rlhf4j.tensor.Device.CPU, n, 3).toFloatArray();
        float[] y = new float[n];
        for (int i = 0; i < n; i++) y[i] = (float) (Math.sin(2 * x[3 * i]) + x[3 * i + 1] * x[3 * i + 2]);
        return new Tensor[]{Tensor.of(x, n, 3), Tensor.of(y, n, 1)};
    }

    /** One SGD step inside a memory scope; returns the loss. */
    static float step(Sequential model, Optimizer opt, Tensor x, Tensor y) {
        opt.zeroGrad();
        try (var scope = MemoryScope.open()) {
            Variable loss = model.forward(Variable.constant(x)).sub(y).square().mean();
            loss.backward();
            GradClip.clipGradNorm(model.parameters(), 5.0);
            opt.step();
            return loss.item();
        }
    }

    static float[] trainedBits(long seed, int steps) {
        Sequential model = mlp(3, 16, 1, seed);
        SGD opt = new SGD(model.namedParameters(), 0.1, 0.9, 1e-4);
        Tensor[] batch = regressionBatch(99, 32);
        for (int i = 0; i < steps; i++) step(model, opt, batch[0], batch[1]);
        float[] all = new float[0];
        for (Parameter p : model.parameters()) {
            float[] v = p.value().toFloatArray();
            float[] next = java.util.Arrays.copyOf(all, all.length + v.length);
            System.arraycopy(v, 0, next, all.length, v.length);
            all = next;
        }
        return all;
    }

    @Test void sameSeedGivesIdenticalBits() {
        float[] a = trainedBits(7, 5), b = trainedBits(7, 5);
        assertArrayEquals(a, b);
        float[] c = trainedBits(8, 5);
        assertTrue(!java.util.Arrays.equals(a, c), "a different seed gives a different model");
    }

    @Test void mlpLearnsARegressionTask() {
        Sequential model = mlp(3, 32, 1, 3);
        SGD opt = new SGD(model.namedParameters(), 0.1, 0.9, 0);
        Tensor[] batch = regressionBatch(5, 128);
        float first = step(model, opt, batch[0], batch[1]), last = first;
        for (int i = 0; i < 300; i++) last = step(model, opt, batch[0], batch[1]);
        System.out.printf("MLP regression: loss %.4f -> %.5f after 300 steps%n", first, last);
        assertTrue(last < first / 20, "loss should fall at least 20x: " + first + " -> " + last);
    }

    /** Three-class toy task: class = which of x0, x1, x2 is largest. */
    static Tensor[] classificationBatch(long seed, int n) {
        float[] x = Tensor.rand(seed, -1f, 1f, rlhf4j.tensor.Device.CPU, n, 3).toFloatArray();
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int c = 1; c < 3; c++) if (x[3 * i + c] > x[3 * i + best]) best = c;
            y[i] = i % 10 == 9 ? -1 : best;                // every tenth row ignored
        }
        return new Tensor[]{Tensor.of(x, n, 3), Tensor.ofInts(y, n)};
    }

    static float[] adamRun(long seed, int steps, float[] lossesOut) {
        Sequential model = new Sequential(new Linear(3, 32, true, seed), Sequential.of(Variable::gelu),
                new rlhf4j.autograd.nn.Dropout(0.1, seed), new Linear(32, 3, true, seed + 1));
        AdamW opt = new AdamW(model.namedParameters(), 1e-2, 0.9, 0.99, 1e-8, 0.01).decayOnly(n -> n.endsWith("weight"));
        CosineSchedule schedule = new CosineSchedule(1e-2, 1e-3, Math.min(10, steps), steps);
        Tensor[] batch = classificationBatch(17, 256);
        for (int i = 0; i < steps; i++) {
            schedule.apply(opt, i);
            opt.zeroGrad();
            try (var scope = MemoryScope.open()) {
                Variable logits = model.forward(Variable.constant(batch[0]));
                Variable loss = rlhf4j.autograd.Functional.crossEntropy(logits, batch[1], -1);
                loss.backward();
                GradClip.clipGradNorm(model.parameters(), 1.0);
                opt.step();
                if (lossesOut != null) lossesOut[i] = loss.item();
            }
        }
        float[] all = new float[0];
        for (Parameter p : model.parameters()) {
            float[] v = p.value().toFloatArray();
            float[] next = java.util.Arrays.copyOf(all, all.length + v.length);
            System.arraycopy(v, 0, next, all.length, v.length);
            all = next;
        }
        return all;
    }

    @Test void adamWTrainingWithDropoutIsBitReproducible() {
        assertArrayEquals(adamRun(21, 6, null), adamRun(21, 6, null));
    }

    @Test void mlpLearnsAClassificationTaskWithAdamW() {
        float[] losses = new float[150];
        adamRun(4, losses.length, losses);
        float first = losses[0], last = losses[losses.length - 1];
        System.out.printf("MLP classification (AdamW, cross-entropy): loss %.4f -> %.4f after %d steps%n", first, last,
                losses.length);
        assertTrue(last < first / 5, "loss should fall at least 5x: " + first + " -> " + last);
    }

    @Test void steadyStateStepsAllocateNoLongLivedMemory() {
        Sequential model = mlp(3, 16, 1, 5);
        SGD opt = new SGD(model.namedParameters(), 0.05, 0.9, 0);
        Tensor[] batch = regressionBatch(3, 64);
        step(model, opt, batch[0], batch[1]);                // allocates gradient buffers and momentum state
        long live = rlhf4j.tensor.cpu.CpuAllocator.liveBytes();
        for (int i = 0; i < 5; i++) step(model, opt, batch[0], batch[1]);
        assertTrue(rlhf4j.tensor.cpu.CpuAllocator.liveBytes() <= live,
                "live bytes grew from " + live + " to " + rlhf4j.tensor.cpu.CpuAllocator.liveBytes());
    }
}
