package rlhf4j.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static rlhf4j.autograd.TestData.randn;

import java.util.function.Function;
import org.junit.jupiter.api.Test;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;

/** The fused attention against finite differences and against the graph of single ops it replaces. */
class QkvAttentionTest {
    private static final int B = 2, T = 4, HEADS = 2, HS = 3, C = HEADS * HS;
    /** Key 0 of sequence 0 is padding (a large negative bias); sequence 1 has none. */
    private static final Tensor KEY_BIAS = Tensor.of(new float[]{-1e4f, 0, 0, 0, 0, 0, 0, 0}, B, 1, 1, T);

    @Test void gradientMatchesFiniteDifferences() {
        GradCheck.standard().check("qkvAttention", v -> QkvAttention.apply(v[0], HEADS, null), randn(1, B, T, 3 * C));
        GradCheck.standard().check("qkvAttention with key bias", v -> QkvAttention.apply(v[0], HEADS, KEY_BIAS),
                randn(2, B, T, 3 * C));
    }

    @Test void equalsTheUnfusedOps() {
        for (Tensor keyBias : new Tensor[]{null, KEY_BIAS}) {
            float[][] fused = valueAndGradient(qkv -> QkvAttention.apply(qkv, HEADS, keyBias));
            float[][] unfused = valueAndGradient(qkv -> unfused(qkv, keyBias));
            assertArrayEquals(unfused[0], fused[0], 1e-6f, "values");
            assertArrayEquals(unfused[1], fused[1], 1e-6f, "gradients");
        }
    }

    /** chunk, split heads, scores, mask, softmax, weighted values, heads back side by side. */
    private static Variable unfused(Variable qkv, Tensor keyBias) {
        Variable[] parts = qkv.chunk(3, 2);                                                   // 3 × (B, T, C)
        Variable q = parts[0].view(B, T, HEADS, HS).transpose(1, 2);                          // (B, H, T, hs)
        Variable k = parts[1].view(B, T, HEADS, HS).transpose(1, 2);
        Variable v = parts[2].view(B, T, HEADS, HS).transpose(1, 2);
        Variable scores = q.matmul(k.mT()).mul(1.0 / Math.sqrt(HS));                          // (B, H, T, T)
        if (keyBias != null) scores = scores.add(keyBias);
        Variable att = Functional.causalMask(scores).softmax();
        return att.matmul(v).transpose(1, 2).reshape(B, T, C);                                // (B, T, C)
    }

    /** The output and dL/dqkv for L = Σ w·y with fixed random w. */
    private static float[][] valueAndGradient(Function<Variable, Variable> attention) {
        try (var scope = MemoryScope.open()) {
            Variable qkv = Variable.leaf(randn(3, B, T, 3 * C));
            Variable y = attention.apply(qkv);
            y.backward(randn(4, B, T, C));
            return new float[][]{y.value().toFloatArray(), qkv.grad().toFloatArray()};
        }
    }
}
