package rlhf4j.transformer;

import rlhf4j.autograd.Functional;
import rlhf4j.autograd.Variable;
import rlhf4j.autograd.nn.Dropout;
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
        // the G query heads that share a key head become G·T rows of one product: a view when T = 1 (decoding)
        Variable qg = q.reshape(b, nKv, g * t, hs);                                 // (B, nKv, G·T, hs)
        Variable scores = qg.matmul(k.mT()).mul(1.0 / Math.sqrt(hs)).view(b, nKv, g, t, s);   // (B, nKv, G, T, S)
        if (keyBias != null) scores = scores.add(keyBias.view(b, 1, 1, 1, s));     // padding is never attended
        // query i is position S−T+i: it may see keys 0..S−T+i (with one query, S−1, that is every key)
        if (t > 1) scores = Functional.causalMask(scores, s - t, Float.NEGATIVE_INFINITY);
        Variable att = scores.softmax();                                            // (B, nKv, G, T, S)
        if (dropout != null) att = dropout.forward(att);
        Variable y = att.view(b, nKv, g * t, s).matmul(v);                          // (B, nKv, G·T, hs)
        return y.view(b, nHead, t, hs).transpose(1, 2).reshape(b, t, nHead * hs);   // (B, T, nHead·hs)
    }
}
