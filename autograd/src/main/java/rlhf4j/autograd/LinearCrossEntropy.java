package rlhf4j.autograd;

import rlhf4j.tensor.DType;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Shapes;
import rlhf4j.tensor.Tensor;

/**
 * A language-model head fused with its loss: the mean cross-entropy of logits = hidden · weightᵀ against targets,
 * equal to {@code Functional.crossEntropy(hidden.matmul(weight.mT()), targets, ignoreIndex)} without that graph's
 * full-size temporaries.
 *
 * <p>The rows are taken in chunks whose logits hold at most {@link #CHUNK_FLOATS} floats. One chunk (a small
 * batch) keeps its logits for backward; several chunks drop theirs and backward recomputes each, so a long batch
 * never holds (N, V) logits. Backward turns a chunk's logits into their gradient, then
 * dhidden = dlogits · weight and dweight += dlogitsᵀ · hidden straight into the weight's gradient buffer (the
 * GEMM's accumulate flag), so neither the (N, V) gradient of a whole batch nor a (V, C) temporary exists.
 */
public final class LinearCrossEntropy {
    /** Logit floats per chunk (128 MB): GPT-2's 50257-token vocabulary gives 667 rows. */
    static final long CHUNK_FLOATS = 1L << 25;

    private LinearCrossEntropy() {}

    /**
     * @param hidden  (..., C) the final hidden states
     * @param weight  (V, C) the head's weight (GPT-2: the tied token embedding)
     * @param targets I32 (...) next tokens; rows equal to ignoreIndex do not count
     * @return () the mean loss over the counted rows (0 when none counts)
     */
    public static Variable loss(Variable hidden, Variable weight, Tensor targets, int ignoreIndex) {
        return loss(hidden, weight, targets, ignoreIndex, (int) Math.max(1, CHUNK_FLOATS / Math.max(1, weight.size(0))));
    }

    /** With an explicit number of rows per chunk (tests force several chunks with it). */
    static Variable loss(Variable hidden, Variable weight, Tensor targets, int ignoreIndex, int chunkRows) {
        Tensor h = checkedRows(hidden, weight, targets);                                      // (N, C)
        Tensor t = targets.reshape(-1).contiguous();                                          // (N)
        Tensor w = weight.value();                                                            // (V, C)
        int n = h.size(0);
        Tensor losses = Tensor.empty(DType.F32, h.device(), n);                              // (N)
        Tensor logsumexp = Tensor.empty(DType.F32, h.device(), n);                           // (N)
        boolean recording = Grad.isEnabled() && (hidden.requiresGrad() || weight.requiresGrad());
        Tensor kept = null;                                                                   // (N, V) when one chunk
        for (int r0 = 0; r0 < n; r0 += chunkRows) {
            int rows = Math.min(chunkRows, n - r0);
            if (recording && rows == n) kept = forwardChunk(h, w, t, ignoreIndex, r0, rows, losses, logsumexp);
            else try (MemoryScope chunk = MemoryScope.open()) {                               // frees the chunk's logits
                forwardChunk(h, w, t, ignoreIndex, r0, rows, losses, logsumexp);
            }
        }
        Tensor count = Functional.countedRows(t, ignoreIndex);                                // ()
        Tensor loss = losses.sum().div(count);                                                // ()
        Chunks chunks = new Chunks(h, w, t, ignoreIndex, logsumexp, kept, chunkRows);
        return Variable.fromOp("linearCrossEntropy", loss, dy -> {
            Tensor dlosses = dy.div(count).expand(n).contiguous();                            // (N)
            Tensor dh = hidden.requiresGrad() ? h.emptyLike() : null;                         // (N, C)
            Tensor dw = weight.requiresGrad() ? weight.gradSink() : null;                     // (V, C), +=
            for (int r0 = 0; r0 < n; r0 += chunkRows)
                try (MemoryScope chunk = MemoryScope.open()) {
                    chunks.backward(r0, Math.min(chunkRows, n - r0), dlosses, dh, dw);
                }
            if (dh != null) hidden.accumulateGrad(dh.view(hidden.shape()));
            if (dw != null) weight.commitGradSink(dw);
        }, hidden, weight);
    }

    /** logits[r0:r0+rows] = h[r0:r0+rows] · wᵀ and their per-row loss and log-sum-exp; returns those logits. */
    private static Tensor forwardChunk(Tensor h, Tensor w, Tensor t, int ignoreIndex, int r0, int rows,
                                       Tensor losses, Tensor logsumexp) {
        Tensor logits = logits(h, w, r0, rows);                                               // (rows, V)
        logits.backend().crossEntropy(logits, t.narrow(0, r0, rows), ignoreIndex, losses.narrow(0, r0, rows),
                logsumexp.narrow(0, r0, rows));
        return logits;
    }

    /** (rows, V) = h[r0:r0+rows] (rows, C) · wᵀ (C, V). */
    static Tensor logits(Tensor h, Tensor w, int r0, int rows) {
        Tensor out = Tensor.empty(DType.F32, h.device(), rows, w.size(0));
        out.backend().matmul(h.narrow(0, r0, rows), w.mT(), out, false);
        return out;
    }

    /** What backward needs of the forward pass: the operands, the per-row log-sum-exp, and the kept logits. */
    private record Chunks(Tensor h, Tensor w, Tensor t, int ignoreIndex, Tensor logsumexp, Tensor kept, int chunkRows) {

        /** One chunk: dlogits = dloss · (softmax − onehot); dh rows = dlogits · w; dw += dlogitsᵀ · h rows. */
        void backward(int r0, int rows, Tensor dlosses, Tensor dh, Tensor dw) {
            Tensor logits = kept != null ? kept : logits(h, w, r0, rows);                     // (rows, V)
            Tensor dlogits = logits.emptyLike();                                              // (rows, V)
            logits.backend().crossEntropyBackward(logits, t.narrow(0, r0, rows), ignoreIndex,
                    logsumexp.narrow(0, r0, rows), dlosses.narrow(0, r0, rows), dlogits);
            if (dh != null) dh.backend().matmul(dlogits, w, dh.narrow(0, r0, rows), false);   // (rows, V) · (V, C)
            if (dw != null) dw.backend().matmul(dlogits.mT(), h.narrow(0, r0, rows), dw, true); // (V, rows) · (rows, C)
        }
    }

    /** hidden (..., C) as contiguous rows (N, C), after checking it against weight (V, C) and targets (...). */
    private static Tensor checkedRows(Variable hidden, Variable weight, Tensor targets) {
        int c = hidden.size(-1);
        if (weight.dim() != 2 || weight.size(1) != c)
            throw new IllegalArgumentException("linearCrossEntropy: weight " + Shapes.str(weight.shape())
                    + " is not (V, " + c + ") for hidden " + Shapes.str(hidden.shape()));
        if (targets.dtype() != DType.I32)
            throw new IllegalArgumentException("linearCrossEntropy targets must be I32, got " + targets);
        if (targets.numel() * c != hidden.numel())
            throw new IllegalArgumentException("linearCrossEntropy: hidden " + Shapes.str(hidden.shape()) + " and targets "
                    + Shapes.str(targets.shape()) + " do not match (expected hidden = targets + [C])");
        return hidden.value().reshape(-1, c).contiguous();
    }
}
