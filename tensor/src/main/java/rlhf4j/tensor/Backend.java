package rlhf4j.tensor;

import java.lang.foreign.MemorySegment;

/**
 * The backend SPI: everything that reads or writes device memory. {@link Tensor} and the layers above it only
 * describe work; a backend found with {@link java.util.ServiceLoader} (see {@link Backends}) does it.
 *
 * <p>Contract shared by every kernel:
 * <ul>
 *   <li>All tensors passed to one call live on this backend's device (checked by the caller).</li>
 *   <li>Inputs may have any strides (views, transposes, broadcasts with stride 0) unless a method says
 *       "contiguous". Outputs are contiguous, freshly allocated or explicitly in-place, unless stated.</li>
 *   <li>A call may return before the work is done (a GPU stream); results become visible to the host only
 *       through {@link #copyToHost}, which waits. No method reads device memory back to the host silently.</li>
 *   <li>Random kernels use a counter-based generator: element i of a call with seed s is a pure function of
 *       (s, i), so every backend and every thread count produces the same bits.</li>
 * </ul>
 */
public interface Backend {

    /** The device type this backend owns, e.g. "cpu" or "cuda". */
    String deviceType();

    /** Whether the backend can run here; if not, {@link #unavailableReason()} says why. */
    boolean isAvailable();

    /** Why the backend cannot run here (no driver, no device, ...), or null when it can. */
    default String unavailableReason() { return null; }

    /** A longer human-readable description (device name, BLAS in use). */
    default String describe() { return deviceType(); }

    // ---- memory ----------------------------------------------------------------------------------------------

    /** Allocates uninitialised memory on {@code device}, owned by the current {@link MemoryScope}. */
    Storage allocate(Device device, long byteSize);

    /** Copies {@code bytes} from host memory into {@code dst} at {@code dstByteOffset}. */
    void copyFromHost(MemorySegment src, Storage dst, long dstByteOffset, long bytes);

    /** Copies {@code bytes} of {@code src} at {@code srcByteOffset} into host memory; waits for pending work. */
    void copyToHost(Storage src, long srcByteOffset, MemorySegment dst, long bytes);

    /** Waits until all queued work on this backend is done. */
    default void synchronize() {}

    // ---- layout and initialisation -------------------------------------------------------------------------

    /** dst[i] = src[i] for tensors of the same shape; dst may be any non-overlapping view; converts F32↔I32. */
    void copy(Tensor src, Tensor dst);

    /** Every element of dst (any non-overlapping view) = value. */
    void fill(Tensor dst, double value);

    /** out = uniform [lo, hi) from a counter-based generator keyed by seed. */
    void randomUniform(Tensor out, long seed, float lo, float hi);

    /** out = normal(mean, std) from a counter-based generator keyed by seed. */
    void randomNormal(Tensor out, long seed, float mean, float std);

    // ---- elementwise -----------------------------------------------------------------------------------------

    /** out = op(x, p); out has x's shape. out may be x itself (in place) when x is contiguous. */
    void unary(UnaryOp op, Tensor x, double p, Tensor out);

    /** dx = dy · op'(x) (y = op(x) is given too, for ops whose derivative is cheaper from y). */
    void unaryBackward(UnaryOp op, Tensor x, Tensor y, double p, Tensor dy, Tensor dx);

    /** out = op(a, b); a and b are already expanded to out's shape. out may alias a contiguous a (in place). */
    void binary(BinaryOp op, Tensor a, Tensor b, Tensor out);

    /** out = cond != 0 ? a : b, all three expanded to out's shape (masked fill is where(mask, value, x)). */
    void where(Tensor cond, Tensor a, Tensor b, Tensor out);

    // ---- reductions ------------------------------------------------------------------------------------------

    /**
     * Reduces x over {@code dims} (sorted, distinct) into out, which has x's shape with those dims set to 1.
     * ARGMAX takes exactly one dim and an I32 out.
     */
    void reduce(ReduceOp op, Tensor x, int[] dims, Tensor out);

    /**
     * out () = Σ x² over every element of x (a gradient norm's square), as {@code x.square().sum()} computes it;
     * backends may fuse the two (the default runs them, with a temporary in the current scope).
     */
    default void sumOfSquares(Tensor x, Tensor out) { out.copyFrom(x.square().sum()); }

    // ---- linear algebra --------------------------------------------------------------------------------------

    /**
     * out = a @ b over the last two dims: a (..., M, K), b (..., K, N), out (..., M, N) contiguous; batch dims of
     * a and b are already expanded to out's. Transposed operands (stride 1 on the row dim) are used without a
     * copy. With accumulate, out += a @ b.
     */
    void matmul(Tensor a, Tensor b, Tensor out, boolean accumulate);

    // ---- fused neural-network kernels (all over the last dim, rows = everything before it) ---------------------

    /** out = softmax(x) or log_softmax(x) along the last dim; stable (max subtracted). */
    void softmax(Tensor x, Tensor out, boolean log);

    /** dx from y = softmax(x) (or log_softmax) and dy: dx = y·(dy − Σ dy·y), or dy − eʸ·Σ dy for log. */
    void softmaxBackward(Tensor y, Tensor dy, Tensor dx, boolean log);

    /**
     * LayerNorm over the last dim C: out = (x − mean)·rstd·weight + bias. x (N, C) contiguous, weight and bias (C),
     * mean and rstd (N) are saved for backward.
     */
    void layerNorm(Tensor x, Tensor weight, Tensor bias, float eps, Tensor out, Tensor mean, Tensor rstd);

    /** dx (N, C) written; dweight, dbias (C) accumulated (+=), so gradients from several calls add up. */
    void layerNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor mean, Tensor rstd,
                           Tensor dx, Tensor dweight, Tensor dbias);

    /** RMSNorm: out = x · rstd · weight with rstd = 1/√(mean(x²) + eps); rstd (N) saved. */
    void rmsNorm(Tensor x, Tensor weight, float eps, Tensor out, Tensor rstd);

    /** dx written; dweight accumulated (+=). */
    void rmsNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor rstd, Tensor dx, Tensor dweight);

    /** out (..., C) = weight[ids] for weight (V, C) and I32 ids (...). An id outside [0, V) is an error. */
    void embedding(Tensor weight, Tensor ids, Tensor out);

    /** dweight[ids[i]] += dout[i]: the scatter-add gradient of the gather above. */
    void embeddingBackward(Tensor dout, Tensor ids, Tensor dweight);

    /**
     * Per-row cross-entropy: losses[i] = logsumexp(logits[i]) − logits[i, targets[i]], or 0 where
     * targets[i] == ignoreIndex. logits (N, V) contiguous, I32 targets (N), losses and logsumexp (N) written.
     */
    void crossEntropy(Tensor logits, Tensor targets, int ignoreIndex, Tensor losses, Tensor logsumexp);

    /** dlogits[i] = dlosses[i] · (softmax(logits[i]) − onehot(targets[i])), 0 for ignored rows. */
    void crossEntropyBackward(Tensor logits, Tensor targets, int ignoreIndex, Tensor logsumexp,
                              Tensor dlosses, Tensor dlogits);

    /** out = x with x[..., i, j] = value where j > i + offset (the future, for a query at row i). x (..., T, S). */
    void causalMask(Tensor x, int offset, float value, Tensor out);

    /**
     * Inverted dropout: mask[i] = 1/(1−p) if uniform(seed, i) ≥ p else 0; out = x · mask. Returns nothing;
     * the mask is what backward multiplies by.
     */
    void dropout(Tensor x, float p, long seed, Tensor out, Tensor mask);

    /** out[..., i, ...] = x[..., index[..., i, ...], ...] along dim (torch.gather); index is I32 of out's shape. */
    void gather(Tensor x, int dim, Tensor index, Tensor out);

    /** dx[..., index[..., i, ...], ...] += dout[..., i, ...] along dim: gather's gradient. dx contiguous. */
    void scatterAdd(Tensor dout, int dim, Tensor index, Tensor dx);

    // ---- optimizer -------------------------------------------------------------------------------------------

    /**
     * One AdamW update in place on contiguous param, m, v: m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
     * param −= lr·(m̂/(√v̂ + eps) + weightDecay·param) with bias-corrected m̂ = m/(1−β1^step), v̂ = v/(1−β2^step).
     */
    void adamW(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
               float weightDecay, int step);
}
