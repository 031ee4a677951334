package rlhf4j.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static rlhf4j.autograd.TestData.randn;

import org.junit.jupiter.api.Test;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;

/** The fused head and loss against finite differences and against the unfused graph it replaces. */
class LinearCrossEntropyTest {
    private static final int IGNORE = -1;

    /** Finite differences, with the logits kept (one chunk) and recomputed (chunks of 2 and 4 rows). */
    @Test void gradientMatchesFiniteDifferences() {
        Tensor targets = Tensor.ofInts(new int[]{3, 0, IGNORE, 6, 2, 5}, 2, 3);
        for (int chunkRows : new int[]{6, 2, 4})
            GradCheck.standard().check("linearCrossEntropy chunks of " + chunkRows,
                    v -> LinearCrossEntropy.loss(v[0], v[1], targets, IGNORE, chunkRows),
                    randn(1, 2, 3, 4), randn(2, 7, 4));
    }

    /** Loss and both gradients equal crossEntropy(hidden · weightᵀ) within float rounding, for any chunking. */
    @Test void equalsTheUnfusedHeadAndLoss() {
        int n = 37, c = 16, v = 101;
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = i % 9 == 4 ? IGNORE : (i * 31 + 7) % v;
        Tensor targets = Tensor.ofInts(t, n);
        Result reference = run(randn(3, n, c), randn(4, v, c), targets,
                (h, w) -> Functional.crossEntropy(h.matmul(w.mT()), targets, IGNORE));
        for (int chunkRows : new int[]{n, 8, 1}) {
            Result fused = run(randn(3, n, c), randn(4, v, c), targets,
                    (h, w) -> LinearCrossEntropy.loss(h, w, targets, IGNORE, chunkRows));
            assertEquals(reference.loss, fused.loss, 1e-5 * Math.abs(reference.loss), "loss, chunks of " + chunkRows);
            assertArrayEquals(reference.dh, fused.dh, 1e-6f, "dhidden, chunks of " + chunkRows);
            assertArrayEquals(reference.dw, fused.dw, 1e-6f, "dweight, chunks of " + chunkRows);
        }
    }

    /** A second backward adds to the weight's gradient buffer (the GEMM accumulates into it). */
    @Test void weightGradientAccumulatesAcrossBackwardPasses() {
        Tensor targets = Tensor.ofInts(new int[]{1, 4, 2}, 3);
        try (var scope = MemoryScope.open()) {
            Variable h = Variable.leaf(randn(5, 3, 6)), w = Variable.leaf(randn(6, 5, 6));
            LinearCrossEntropy.loss(h, w, targets, IGNORE).backward();
            float[] once = w.grad().toFloatArray();
            LinearCrossEntropy.loss(h, w, targets, IGNORE).backward();
            float[] twice = w.grad().toFloatArray();
            for (int i = 0; i < once.length; i++) assertEquals(2 * once[i], twice[i], 1e-6f);
        }
    }

    /** With every row ignored the loss is 0 and no gradient flows. */
    @Test void allRowsIgnoredGiveZero() {
        Tensor targets = Tensor.ofInts(new int[]{IGNORE, IGNORE}, 2);
        Result r = run(randn(7, 2, 3), randn(8, 4, 3), targets, (h, w) -> LinearCrossEntropy.loss(h, w, targets, IGNORE, 1));
        assertEquals(0.0, r.loss, 0.0);
        assertArrayEquals(new float[r.dh.length], r.dh, 0f);
        assertArrayEquals(new float[r.dw.length], r.dw, 0f);
    }

    private record Result(double loss, float[] dh, float[] dw) {}

    private static Result run(Tensor hidden, Tensor weight, Tensor targets,
                              java.util.function.BinaryOperator<Variable> lossOf) {
        try (var scope = MemoryScope.open()) {
            Variable h = Variable.leaf(hidden), w = Variable.leaf(weight);
            Variable loss = lossOf.apply(h, w);
            loss.backward();
            return new Result(loss.item(), h.grad().toFloatArray(), w.grad().toFloatArray());
        }
    }
}
