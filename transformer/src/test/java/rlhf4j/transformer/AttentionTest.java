package rlhf4j.transformer;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import rlhf4j.autograd.Functional;
import rlhf4j.autograd.Variable;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;

/** The padded, one-bias attention against the plain formula: key-bias add, causal mask, softmax over the S keys. */
class AttentionTest {
    /** softmax(q kᵀ/√hs + keyBias, causal) v with no padding of the keys: the form the fast path replaces. */
    static Variable reference(Variable q, Variable k, Variable v, Tensor keyBias) {
        int b = q.size(0), nHead = q.size(1), t = q.size(2), hs = q.size(3), nKv = k.size(1), s = k.size(2), g = nHead / nKv;
        Variable scores = q.reshape(b, nKv, g * t, hs).matmul(k.mT()).mul(1.0 / Math.sqrt(hs)).view(b, nKv, g, t, s);
        if (keyBias != null) scores = scores.add(keyBias.view(b, 1, 1, 1, s));
        if (t > 1) scores = Functional.causalMask(scores, s - t, Float.NEGATIVE_INFINITY);
        Variable y = scores.softmax().view(b, nKv, g * t, s).matmul(v);
        return y.view(b, nHead, t, hs).transpose(1, 2).reshape(b, t, nHead * hs);
    }

    @Test void equalsTheUnpaddedFormulaInValueAndGradient() {
        // heads, kv heads, queries T, keys S (S = 16: no padding; S > T: queries after cached keys; T = 1: decoding)
        for (int[] c : new int[][]{{4, 2, 7, 7}, {4, 4, 16, 16}, {6, 2, 5, 21}, {4, 2, 1, 9}, {2, 1, 20, 20}})
            for (boolean padded : new boolean[]{false, true})
                try (var scope = MemoryScope.open()) {
                    int b = 3, nh = c[0], nkv = c[1], t = c[2], s = c[3], hs = 4;
                    Tensor keyBias = null;
                    if (padded) {
                        int[] mask = new int[b * s];
                        for (int i = 0; i < mask.length; i++) mask[i] = i % s >= i / s ? 1 : 0;    // row r: r leading pads
                        keyBias = Masks.keyBias(mask, b, s);
                    }
                    Variable[] fast = leaves(b, nh, nkv, t, s, hs), ref = leaves(b, nh, nkv, t, s, hs);
                    Variable yFast = Attention.causalSelfAttention(fast[0], fast[1], fast[2], keyBias, null);
                    Variable yRef = reference(ref[0], ref[1], ref[2], keyBias);
                    String what = java.util.Arrays.toString(c) + (padded ? " padded" : "");
                    assertArrayEquals(yRef.value().toFloatArray(), yFast.value().toFloatArray(), 1e-5f, what);
                    Tensor weights = values(4, yRef.shape());
                    yRef.mul(weights).sum().backward();
                    yFast.mul(weights).sum().backward();
                    for (int i = 0; i < 3; i++)
                        assertArrayEquals(ref[i].grad().toFloatArray(), fast[i].grad().toFloatArray(), 1e-5f, what + " grad " + "qkv".charAt(i));
                }
    }

    @Test void paddedKeysRoundUpToWholeBlocks() {
        assertEquals(16, Attention.paddedKeys(1));
        assertEquals(16, Attention.paddedKeys(16));
        assertEquals(64, Attention.paddedKeys(60));
    }

    /** q (B, nh, T, hs), k and v (B, nkv, S, hs), the same values on every call with the same shapes. */
    private static Variable[] leaves(int b, int nh, int nkv, int t, int s, int hs) {
        return new Variable[]{Variable.leaf(values(1, b, nh, t, hs)), Variable.leaf(values(2, b, nkv, s, hs)),
                Variable.leaf(values(3, b, nkv, s, hs))};
    }

    private static Tensor values(int seed, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] x = new float[n];
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        for (int i = 0; i < n; i++) x[i] = (float) rng.nextGaussian();
        return Tensor.of(x, shape);
    }
}
