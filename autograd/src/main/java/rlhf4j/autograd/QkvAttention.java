package rlhf4j.autograd;

import rlhf4j.tensor.DType;
import rlhf4j.tensor.Shapes;
import rlhf4j.tensor.Tensor;

/**
 * Causal multi-head self-attention straight from a fused q, k, v projection (GPT-2's c_attn output), as one op:
 * y = softmax(q kᵀ / √hs + keyBias, future masked) v with the heads side by side again.
 *
 * <p>The same values as chunking qkv into three views, splitting heads and running the attention ops one by one,
 * but backward writes dq, dk and dv straight into their slices of one (B, T, 3C) gradient: the unfused graph gives
 * each chunk a zero-filled (B, T, 3C) gradient, adds the three, and copies each head gradient once more to undo
 * its transpose.
 */
public final class QkvAttention {
    private QkvAttention() {}

    /**
     * @param qkv     (B, T, 3C): q, k, v side by side, each C = nHead·hs with the heads side by side
     * @param nHead   number of heads
     * @param keyBias (B, 1, 1, T) added to every query's scores (padding), or null
     * @return (B, T, C)
     */
    public static Variable apply(Variable qkv, int nHead, Tensor keyBias) {
        if (qkv.dim() != 3 || qkv.size(2) % (3 * nHead) != 0)
            throw new IllegalArgumentException("qkvAttention: qkv " + Shapes.str(qkv.shape()) + " is not (B, T, 3·" + nHead + "·hs)");
        int b = qkv.size(0), t = qkv.size(1), c = qkv.size(2) / 3;
        double scale = 1.0 / Math.sqrt(c / nHead);
        Tensor x = qkv.value();
        Tensor q = heads(x, 0, nHead), k = heads(x, 1, nHead), v = heads(x, 2, nHead);       // (B, nh, T, hs) views
        Tensor scores = q.matmul(k.mT()).mulInPlace(scale);                                  // (B, nh, T, T)
        if (keyBias != null) scores = scores.add(keyBias);                                   // padding is never attended
        Tensor masked = scores.emptyLike();                                                  // (B, nh, T, T)
        masked.backend().causalMask(scores, 0, Float.NEGATIVE_INFINITY, masked);
        Tensor att = masked.softmax();                                                       // (B, nh, T, T)
        Tensor y = att.matmul(v).transpose(1, 2).reshape(b, t, c);                           // (B, T, C)
        return Variable.fromOp("qkvAttention", y, dy -> qkv.accumulateGrad(() -> {
            Tensor dyh = dy.reshape(b, t, nHead, c / nHead).transpose(1, 2);                 // (B, nh, T, hs)
            Tensor dqkv = Tensor.empty(DType.F32, x.device(), b, t, 3 * c);                  // every element written below
            heads(dqkv, 2, nHead).copyFrom(att.mT().matmul(dyh));                           // dv = attᵀ · dy
            Tensor datt = dyh.matmul(v.mT());                                                // (B, nh, T, T)
            Tensor dscores = att.emptyLike();                                                // 0 where masked (att = 0)
            att.backend().softmaxBackward(att, datt, dscores, false);
            dscores.mulInPlace(scale);
            heads(dqkv, 0, nHead).copyFrom(dscores.matmul(k));                              // dq = dscores · k
            heads(dqkv, 1, nHead).copyFrom(dscores.mT().matmul(q));                         // dk = dscoresᵀ · q
            return dqkv;
        }), qkv);
    }

    /** Part i (0 q, 1 k, 2 v) of qkv (B, T, 3C) as heads (B, nh, T, hs): a view. */
    private static Tensor heads(Tensor qkv, int i, int nHead) {
        int b = qkv.size(0), t = qkv.size(1), c = qkv.size(2) / 3;
        return qkv.narrow(2, i * c, c).view(b, t, nHead, c / nHead).transpose(1, 2);
    }
}
