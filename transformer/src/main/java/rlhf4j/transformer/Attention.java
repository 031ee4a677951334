package rlhf4j.transformer;

import rlhf4j.autograd.Variable;
import rlhf4j.autograd.nn.Dropout;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.Tensor;

/**
 * Causal scaled dot-product attention, shared by GPT-2 (nKvHead = nHead) and Llama (grouped-query attention,
 * nKvHead ≤ nHead): {@code softmax(q kᵀ / √headSize + mask) v}.
 *
 * <p>Grouped-query attention without copying keys: the nHead query heads are grouped as (nKvHead, G) with
 * G = nHead / nKvHead, and the G·T query rows of a group are multiplied with their one key/value head at once.
 */
public final class Attention {
    private Attention() {}

    /**
     * @param q       (B, nHead, T, hs) queries of the last T positions
     * @param k       (B, nKvHead, S, hs) keys of all S positions so far (S ≥ T; the queries are positions S−T..S−1)
     * @param v       (B, nKvHead, S, hs)
     * @param keyBias (B, 1, 1, S) added to every query's scores (0 for real tokens, {@link Masks#PAD_BIAS} for
     *                padding), or null when nothing is padded
     * @param dropout applied to the attention weights (training only), or null
     * @return (B, T, nHead·hs), heads side by side
     */
    public static Variable causalSelfAttention(Variable q, Variable k, Variable v, Tensor keyBias, Dropout dropout) {
        int b = q.size(0), nHead = q.size(1), t = q.size(2), hs = q.size(3);
        int nKv = k.size(1), s = k.size(2), g = nHead / nKv;
        if (nHead % nKv != 0 || k.size(3) != hs || s < t)
            throw new IllegalArgumentException("attention: queries " + java.util.Arrays.toString(q.shape()) + " and keys "
                    + java.util.Arrays.toString(k.shape()) + " do not fit");
        int w = t == 1 ? s : paddedKeys(s);                                         // keys as the scores hold them
        if (w > s) {                                                                // zero keys and values, never attended
            k = padKeys(k, w - s);                                                  // (B, nKv, W, hs)
            v = padKeys(v, w - s);                                                  // (B, nKv, W, hs)
        }
        // the G query heads that share a key head become G·T rows of one product (a view when T = 1, decoding);
        // 1/√hs scales the queries once they are dense (hs values each) rather than the scores (W each)
        Variable qg = q.reshape(b, nKv, g * t, hs).mul(1.0 / Math.sqrt(hs));       // (B, nKv, G·T, hs)
        Variable scores = qg.matmul(k.mT()).view(b, nKv, g, t, w);                 // (B, nKv, G, T, W)
        Tensor bias = scoreBias(keyBias, b, t, s, w, q.value().device());        // (B | 1, 1, 1, T | 1, W)
        if (bias != null) scores = scores.add(bias);                               // padding and the future are never attended
        Variable att = scores.softmax();                                            // (B, nKv, G, T, W)
        if (dropout != null) att = dropout.forward(att);
        Variable y = att.view(b, nKv, g * t, w).matmul(v);                          // (B, nKv, G·T, hs)
        return y.view(b, nHead, t, hs).transpose(1, 2).reshape(b, t, nHead * hs);   // (B, T, nHead·hs)
    }

    /** Score rows are padded to a multiple of this many keys: a softmax row then has no scalar tail. */
    static final int KEY_BLOCK = 16;

    /** S keys rounded up to whole {@link #KEY_BLOCK}s. */
    static int paddedKeys(int s) { return (s + KEY_BLOCK - 1) / KEY_BLOCK * KEY_BLOCK; }

    /** x (B, nKv, S, hs) followed by {@code pad} zero rows: (B, nKv, S + pad, hs). */
    private static Variable padKeys(Variable x, int pad) {
        Tensor zeros = Tensor.zeros(x.value().dtype(), x.value().device(), x.size(0), x.size(1), pad, x.size(3));
        return Variable.cat(2, x, Variable.constant(zeros));
    }

    /**
     * What is added to the scores (W ≥ S columns, the ones past S padding): the key bias, and −∞ where query i
     * (position S−T+i) would see a key after it or a padding column (with one query, S−1, it sees every key, and
     * W = S). One (B, 1, 1, T, W) add broadcasts over the heads in rows of T·W, where a separate key-bias add and
     * causal mask walk the scores in rows of S; the sums are the same (bias + 0 where allowed, −∞ where masked).
     * Null when nothing is masked.
     */
    static Tensor scoreBias(Tensor keyBias, int b, int t, int s, int w, Device device) {
        if (t == 1) return keyBias == null ? null : keyBias.view(b, 1, 1, 1, s);
        float[] key = keyBias == null ? new float[s] : keyBias.contiguous().toFloatArray();   // (B | 1, S)
        int rows = key.length / s;
        float[] bias = new float[rows * t * w];
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < t; i++) {
                int at = (r * t + i) * w, seen = s - t + i + 1;                     // keys 0..S−T+i are visible
                System.arraycopy(key, r * s, bias, at, seen);
                java.util.Arrays.fill(bias, at + seen, at + w, Float.NEGATIVE_INFINITY);
            }
        return Tensor.of(bias, rows, 1, 1, t, w).to(device);                        // (B | 1, 1, 1, T, W)
    }
}
