package rlhf4j.autograd;

import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.DType;
import rlhf4j.tensor.Shapes;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.UnaryOp;

/**
 * Neural-network ops built on the backend's fused kernels (like torch.nn.functional). Each states its local
 * gradient; the kernels that compute them are in {@link rlhf4j.tensor.Backend}.
 */
public final class Functional {
    private Functional() {}

    /**
     * LayerNorm over the last dim C: y = (x − mean)·rstd·weight + bias, rstd = 1/√(var + eps).
     * dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) with ĝ = dy·weight and x̂ = (x − mean)·rstd;
     * dweight = Σ_rows dy·x̂, dbias = Σ_rows dy (accumulated straight into the parameters' buffers).
     *
     * @param bias may be null (no shift)
     */
    public static Variable layerNorm(Variable x, Variable weight, Variable bias, double eps) {
        int c = x.size(-1);
        checkVector("layerNorm weight", weight, c);
        if (bias != null) checkVector("layerNorm bias", bias, c);
        Tensor x2 = x.value().reshape(-1, c).contiguous();                                   // (N, C)
        int n = x2.size(0);
        Tensor biasValue = bias != null ? bias.value() : Tensor.zeros(DType.F32, x2.device(), c);
        Tensor out = x2.emptyLike();                                                         // (N, C)
        Tensor mean = Tensor.empty(DType.F32, x2.device(), n);                               // (N)
        Tensor rstd = Tensor.empty(DType.F32, x2.device(), n);                               // (N)
        x2.backend().layerNorm(x2, weight.value(), biasValue, (float) eps, out, mean, rstd);
        Variable[] parents = bias != null ? new Variable[]{x, weight, bias} : new Variable[]{x, weight};
        return Variable.fromOp("layerNorm", out.view(x.shape()), dy -> {
            Tensor dx = x2.emptyLike();                                                      // (N, C)
            Tensor dw = weight.gradSink();                                                   // (C), +=
            Tensor db = bias != null ? bias.gradSink() : Tensor.zeros(DType.F32, x2.device(), c);
            x2.backend().layerNormBackward(dy.reshape(-1, c).contiguous(), x2, weight.value(), mean, rstd, dx, dw, db);
            x.accumulateGrad(dx.view(x.shape()));
            weight.commitGradSink(dw);
            if (bias != null) bias.commitGradSink(db);
        }, parents);
    }

    /**
     * RMSNorm over the last dim: y = x·rstd·weight, rstd = 1/√(mean(x²) + eps).
     * dx = rstd·(ĝ − x̂·mean(ĝ·x̂)) with ĝ = dy·weight, x̂ = x·rstd; dweight = Σ_rows dy·x̂.
     */
    public static Variable rmsNorm(Variable x, Variable weight, double eps) {
        int c = x.size(-1);
        checkVector("rmsNorm weight", weight, c);
        Tensor x2 = x.value().reshape(-1, c).contiguous();                                   // (N, C)
        Tensor out = x2.emptyLike();                                                         // (N, C)
        Tensor rstd = Tensor.empty(DType.F32, x2.device(), x2.size(0));                      // (N)
        x2.backend().rmsNorm(x2, weight.value(), (float) eps, out, rstd);
        return Variable.fromOp("rmsNorm", out.view(x.shape()), dy -> {
            Tensor dx = x2.emptyLike();                                                      // (N, C)
            Tensor dw = weight.gradSink();                                                   // (C), +=
            x2.backend().rmsNormBackward(dy.reshape(-1, c).contiguous(), x2, weight.value(), rstd, dx, dw);
            x.accumulateGrad(dx.view(x.shape()));
            weight.commitGradSink(dw);
        }, x, weight);
    }

    /** y (..., C) = weight[ids] for weight (V, C) and I32 ids (...).  dweight[ids[i]] += dy[i] (scatter-add). */
    public static Variable embedding(Variable weight, Tensor ids) {
        if (weight.dim() != 2) throw new IllegalArgumentException("embedding weight must be (V, C), got " + Shapes.str(weight.shape()));
        if (ids.dtype() != DType.I32) throw new IllegalArgumentException("embedding ids must be I32, got " + ids);
        int[] outShape = java.util.Arrays.copyOf(ids.shape(), ids.dim() + 1);
        outShape[ids.dim()] = weight.size(1);
        Tensor out = Tensor.empty(DType.F32, weight.value().device(), outShape);             // (..., C)
        Tensor idsC = ids.contiguous();
        out.backend().embedding(weight.value(), idsC, out);
        return Variable.fromOp("embedding", out, dy -> {
            Tensor dw = weight.gradSink();                                                   // (V, C), +=
            dw.backend().embeddingBackward(dy.contiguous(), idsC, dw);
            weight.commitGradSink(dw);
        }, weight);
    }

    /**
     * Mean cross-entropy of logits (..., V) against I32 targets (...), over the rows whose target is not
     * ignoreIndex (0 when every row is ignored).  dlogits = (softmax(logits) − onehot(target)) / count for kept
     * rows, 0 for ignored ones.
     */
    public static Variable crossEntropy(Variable logits, Tensor targets, int ignoreIndex) {
        int v = logits.size(-1);
        if (targets.dtype() != DType.I32) throw new IllegalArgumentException("crossEntropy targets must be I32, got " + targets);
        if (targets.numel() * v != logits.numel())
            throw new IllegalArgumentException("crossEntropy: logits " + Shapes.str(logits.shape()) + " and targets "
                    + Shapes.str(targets.shape()) + " do not match (expected logits = targets + [V])");
        Tensor l2 = logits.value().reshape(-1, v).contiguous();                              // (N, V)
        Tensor t1 = targets.reshape(-1).contiguous();                                        // (N)
        int n = l2.size(0);
        Tensor losses = Tensor.empty(DType.F32, l2.device(), n);                             // (N)
        Tensor logsumexp = Tensor.empty(DType.F32, l2.device(), n);                          // (N)
        l2.backend().crossEntropy(l2, t1, ignoreIndex, losses, logsumexp);
        Tensor count = countedRows(t1, ignoreIndex);                                          // ()
        Tensor loss = losses.sum().div(count);                                               // ()
        return Variable.fromOp("crossEntropy", loss, dy -> logits.accumulateGrad(() -> {
            Tensor dlosses = dy.div(count).expand(n).contiguous();                           // (N)
            Tensor dl = l2.emptyLike();                                                      // (N, V)
            dl.backend().crossEntropyBackward(l2, t1, ignoreIndex, logsumexp, dlosses, dl);
            return dl.view(logits.shape());
        }), logits);
    }

    /** () the number of targets (N) that are not ignoreIndex, at least 1 (so a mean over none is 0, not 0/0). */
    static Tensor countedRows(Tensor targets, int ignoreIndex) {
        // kept = |target − ignoreIndex| > ½, counted on the device (no host sync)
        Tensor kept = targets.to(DType.F32).add(-ignoreIndex).abs().unary(UnaryOp.GT_SCALAR, 0.5);
        return kept.sum().unary(UnaryOp.CLAMP_MIN, 1);
    }

    /**
     * Attention's causal mask on scores x (..., T, S): y = value where key j > query i + offset, else x.
     * dx = dy with the masked places zeroed (the same mask with value 0).
     */
    public static Variable causalMask(Variable x, int offset, double value) {
        if (x.dim() < 2) throw new IllegalArgumentException("causalMask needs (..., T, S), got " + Shapes.str(x.shape()));
        Tensor out = x.value().emptyLike();
        out.backend().causalMask(x.value(), offset, (float) value, out);
        return Variable.fromOp("causalMask", out, dy -> x.accumulateGrad(() -> {
            Tensor dx = dy.emptyLike();
            dx.backend().causalMask(dy, offset, 0f, dx);
            return dx;
        }), x);
    }

    /** The usual causal mask: future keys get −∞, so softmax gives them zero weight. */
    public static Variable causalMask(Variable scores) { return causalMask(scores, 0, Float.NEGATIVE_INFINITY); }

    /**
     * Inverted dropout: y = x·mask with mask = 1/(1−p) where uniform(seed, i) ≥ p, else 0.  dx = dy·mask.
     * The identity (x itself) when not training or p = 0.
     */
    public static Variable dropout(Variable x, double p, long seed, boolean training) {
        if (p < 0 || p >= 1) throw new IllegalArgumentException("dropout p must be in [0, 1), got " + p);
        if (!training || p == 0) return x;
        Tensor out = x.value().emptyLike();
        Tensor mask = x.value().emptyLike();
        out.backend().dropout(x.value(), (float) p, seed, out, mask);
        return Variable.fromOp("dropout", out, dy -> x.accumulateGrad(() -> dy.mul(mask)), x);
    }

    /** Seed for the n-th call of a stream of dropout masks (so each call gets fresh, reproducible bits). */
    public static long dropoutSeed(long baseSeed, long call) { return CounterRng.bits(baseSeed, call); }

    private static void checkVector(String what, Variable v, int c) {
        if (v.dim() != 1 || v.size(0) != c)
            throw new IllegalArgumentException(what + " must have shape [" + c + "], got " + Shapes.str(v.shape()));
    }
}
