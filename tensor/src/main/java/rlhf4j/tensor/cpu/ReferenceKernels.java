package rlhf4j.tensor.cpu;

import rlhf4j.tensor.CounterRng;

/**
 * The fused neural-network kernels as plain scalar loops: the teaching reference, written like llm.c's
 * train_gpt2.c. Each forward pass sits beside its backward pass, every buffer has its shape in a comment, and the
 * local gradient of each op is stated where the op is defined.
 *
 * <p>Conventions: every buffer is contiguous and row-major. N is the number of rows (everything before the last
 * dim flattened), C the length of the last dim (channels), V the vocabulary size. Sums run in double, so this is
 * the accurate side when the fast kernels in {@link FastKernels} are tested against it. Backward kernels write
 * {@code dx}; parameter gradients ({@code dweight}, {@code dbias}) are accumulated with +=, so gradients from
 * several calls add up.
 */
public final class ReferenceKernels {
    private ReferenceKernels() {}

    // ============================================================================================== softmax

    /*
     * softmax:      y_j = e^(x_j − m) / Σ_k e^(x_k − m),  m = max_k x_k
     * log_softmax:  y_j = x_j − m − log Σ_k e^(x_k − m)
     * Subtracting the row max changes nothing mathematically but keeps every e^· ≤ 1, so nothing overflows.
     * A NaN anywhere in a row makes the whole row NaN (Math.max propagates it).
     */
    public static void softmaxForward(FloatPtr out, FloatPtr x, int N, int C, boolean log) {
        // x, out: (N, C); out may be x itself
        for (int i = 0; i < N; i++) {
            FloatPtr xi = x.at((long) i * C);
            FloatPtr yi = out.at((long) i * C);
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < C; j++) max = Math.max(max, xi.get(j));
            double sum = 0;
            for (int j = 0; j < C; j++) sum += Math.exp(xi.get(j) - max);
            if (log) {
                float logSum = (float) Math.log(sum);
                for (int j = 0; j < C; j++) yi.set(j, xi.get(j) - max - logSum);
            } else {
                for (int j = 0; j < C; j++) yi.set(j, (float) (Math.exp(xi.get(j) - max) / sum));
            }
        }
    }

    /*
     * softmax:      ∂y_k/∂x_j = y_k (δ_kj − y_j), so dx_j = Σ_k dy_k ∂y_k/∂x_j = y_j (dy_j − Σ_k dy_k y_k)
     * log_softmax:  ∂y_k/∂x_j = δ_kj − e^(y_j),    so dx_j = dy_j − e^(y_j) Σ_k dy_k
     */
    public static void softmaxBackward(FloatPtr dx, FloatPtr y, FloatPtr dy, int N, int C, boolean log) {
        // y, dy, dx: (N, C)
        for (int i = 0; i < N; i++) {
            FloatPtr yi = y.at((long) i * C), dyi = dy.at((long) i * C), dxi = dx.at((long) i * C);
            if (log) {
                double sumDy = 0;
                for (int j = 0; j < C; j++) sumDy += dyi.get(j);
                for (int j = 0; j < C; j++) dxi.set(j, (float) (dyi.get(j) - Math.exp(yi.get(j)) * sumDy));
            } else {
                double dot = 0;
                for (int j = 0; j < C; j++) dot += (double) dyi.get(j) * yi.get(j);
                for (int j = 0; j < C; j++) dxi.set(j, (float) (yi.get(j) * (dyi.get(j) - dot)));
            }
        }
    }

    // ============================================================================================== layernorm

    /*
     * out = n · w + b  with  n = (x − μ) · rstd,  μ = mean(x),  rstd = 1/√(var(x) + eps)  (biased variance).
     * μ and rstd are saved for the backward pass.
     */
    public static void layerNormForward(FloatPtr out, FloatPtr mean, FloatPtr rstd,
                                        FloatPtr x, FloatPtr weight, FloatPtr bias, int N, int C, float eps) {
        // x, out: (N, C)   weight, bias: (C)   mean, rstd: (N)
        for (int i = 0; i < N; i++) {
            FloatPtr xi = x.at((long) i * C), oi = out.at((long) i * C);
            double sum = 0;
            for (int j = 0; j < C; j++) sum += xi.get(j);
            float mu = (float) (sum / C);
            double sq = 0;
            for (int j = 0; j < C; j++) {
                double d = xi.get(j) - mu;
                sq += d * d;
            }
            float s = (float) (1.0 / Math.sqrt(sq / C + eps));
            for (int j = 0; j < C; j++) oi.set(j, (xi.get(j) - mu) * s * weight.get(j) + bias.get(j));
            mean.set(i, mu);
            rstd.set(i, s);
        }
    }

    /*
     * With n = (x − μ)·rstd and dn = dy · w:
     *   dbias  += dy,   dweight += dy · n
     *   dx_j = rstd · (dn_j − mean(dn) − n_j · mean(dn · n))
     * (the two means are the gradient flowing through μ and through rstd, which every x_k touches).
     */
    public static void layerNormBackward(FloatPtr dx, FloatPtr dweight, FloatPtr dbias,
                                         FloatPtr dy, FloatPtr x, FloatPtr weight, FloatPtr mean, FloatPtr rstd,
                                         int N, int C) {
        // dy, x, dx: (N, C)   weight, dweight, dbias: (C)   mean, rstd: (N)
        for (int i = 0; i < N; i++) {
            FloatPtr xi = x.at((long) i * C), dyi = dy.at((long) i * C), dxi = dx.at((long) i * C);
            float mu = mean.get(i), s = rstd.get(i);
            double sumDn = 0, sumDnN = 0;
            for (int j = 0; j < C; j++) {
                float n = (xi.get(j) - mu) * s;
                float dn = dyi.get(j) * weight.get(j);
                sumDn += dn;
                sumDnN += (double) dn * n;
            }
            float meanDn = (float) (sumDn / C), meanDnN = (float) (sumDnN / C);
            for (int j = 0; j < C; j++) {
                float n = (xi.get(j) - mu) * s;
                float dn = dyi.get(j) * weight.get(j);
                dbias.add(j, dyi.get(j));
                dweight.add(j, dyi.get(j) * n);
                dxi.set(j, s * (dn - meanDn - n * meanDnN));
            }
        }
    }

    // ============================================================================================== rmsnorm

    /* out = n · w  with  n = x · rstd,  rstd = 1/√(mean(x²) + eps). rstd is saved for the backward pass. */
    public static void rmsNormForward(FloatPtr out, FloatPtr rstd, FloatPtr x, FloatPtr weight, int N, int C, float eps) {
        // x, out: (N, C)   weight: (C)   rstd: (N)
        for (int i = 0; i < N; i++) {
            FloatPtr xi = x.at((long) i * C), oi = out.at((long) i * C);
            double sq = 0;
            for (int j = 0; j < C; j++) sq += (double) xi.get(j) * xi.get(j);
            float s = (float) (1.0 / Math.sqrt(sq / C + eps));
            for (int j = 0; j < C; j++) oi.set(j, xi.get(j) * s * weight.get(j));
            rstd.set(i, s);
        }
    }

    /*
     * With n = x·rstd and dn = dy · w:  dweight += dy · n,  dx_j = rstd · (dn_j − n_j · mean(dn · n))
     * (like layernorm without the mean-centering term).
     */
    public static void rmsNormBackward(FloatPtr dx, FloatPtr dweight, FloatPtr dy, FloatPtr x, FloatPtr weight,
                                       FloatPtr rstd, int N, int C) {
        // dy, x, dx: (N, C)   weight, dweight: (C)   rstd: (N)
        for (int i = 0; i < N; i++) {
            FloatPtr xi = x.at((long) i * C), dyi = dy.at((long) i * C), dxi = dx.at((long) i * C);
            float s = rstd.get(i);
            double sumDnN = 0;
            for (int j = 0; j < C; j++) sumDnN += (double) dyi.get(j) * weight.get(j) * (xi.get(j) * s);
            float meanDnN = (float) (sumDnN / C);
            for (int j = 0; j < C; j++) {
                float n = xi.get(j) * s;
                float dn = dyi.get(j) * weight.get(j);
                dweight.add(j, dyi.get(j) * n);
                dxi.set(j, s * (dn - n * meanDnN));
            }
        }
    }

    // ============================================================================================== embedding

    /*
     * out[n, :] = weight[ids[n], :]. The local gradient ∂out[n, c]/∂weight[v, c] is 1 exactly when ids[n] == v,
     * so the backward pass adds each row of dout into the row of dweight it was read from (a scatter-add).
     */
    public static void embeddingForward(FloatPtr out, FloatPtr weight, IntPtr ids, int N, int V, int C) {
        // out: (N, C)   weight: (V, C)   ids: (N)
        for (int n = 0; n < N; n++) {
            int id = checkId(ids.get(n), n, V);
            FloatPtr src = weight.at((long) id * C), dst = out.at((long) n * C);
            for (int c = 0; c < C; c++) dst.set(c, src.get(c));
        }
    }

    public static void embeddingBackward(FloatPtr dweight, FloatPtr dout, IntPtr ids, int N, int V, int C) {
        // dweight: (V, C) accumulated   dout: (N, C)   ids: (N)
        for (int n = 0; n < N; n++) {
            int id = checkId(ids.get(n), n, V);
            FloatPtr src = dout.at((long) n * C), dst = dweight.at((long) id * C);
            for (int c = 0; c < C; c++) dst.add(c, src.get(c));
        }
    }

    static int checkId(int id, long position, int V) {
        if (id < 0 || id >= V)
            throw new IndexOutOfBoundsException("embedding: token id " + id + " at position " + position
                    + " is outside the vocabulary of size " + V + " (valid ids are 0.." + (V - 1) + ")");
        return id;
    }

    // ============================================================================================== cross-entropy

    /*
     * loss_i = lse_i − x_i[t_i]  with  lse_i = log Σ_j e^(x_ij) = m + log Σ_j e^(x_ij − m)   (m = row max),
     * i.e. −log softmax(x_i)[t_i], fused so the (N, V) probabilities are never stored. Rows whose target is
     * ignoreIndex get loss 0 (lse is still written). Local gradient: ∂loss_i/∂x_ij = softmax_ij − [j == t_i].
     */
    public static void crossEntropyForward(FloatPtr losses, FloatPtr logsumexp, FloatPtr logits, IntPtr targets,
                                           int ignoreIndex, int N, int V) {
        // logits: (N, V)   targets, losses, logsumexp: (N)
        for (int i = 0; i < N; i++) {
            FloatPtr xi = logits.at((long) i * V);
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < V; j++) max = Math.max(max, xi.get(j));
            double sum = 0;
            for (int j = 0; j < V; j++) sum += Math.exp(xi.get(j) - max);
            float lse = (float) (max + Math.log(sum));
            logsumexp.set(i, lse);
            int t = targets.get(i);
            if (t == ignoreIndex) {
                losses.set(i, 0f);
                continue;
            }
            losses.set(i, lse - xi.get(checkTarget(t, i, V, ignoreIndex)));
        }
    }

    /* dlogits_ij = dloss_i · (e^(x_ij − lse_i) − [j == t_i]); 0 for ignored rows. */
    public static void crossEntropyBackward(FloatPtr dlogits, FloatPtr logits, IntPtr targets, FloatPtr logsumexp,
                                            FloatPtr dlosses, int ignoreIndex, int N, int V) {
        // logits, dlogits: (N, V)   targets, logsumexp, dlosses: (N)
        for (int i = 0; i < N; i++) {
            FloatPtr xi = logits.at((long) i * V), dxi = dlogits.at((long) i * V);
            int t = targets.get(i);
            if (t == ignoreIndex) {
                for (int j = 0; j < V; j++) dxi.set(j, 0f);
                continue;
            }
            checkTarget(t, i, V, ignoreIndex);
            float lse = logsumexp.get(i), g = dlosses.get(i);
            for (int j = 0; j < V; j++) {
                float p = (float) Math.exp(xi.get(j) - lse);
                dxi.set(j, g * (p - (j == t ? 1f : 0f)));
            }
        }
    }

    static int checkTarget(int t, long row, int V, int ignoreIndex) {
        if (t < 0 || t >= V)
            throw new IndexOutOfBoundsException("cross-entropy: target " + t + " in row " + row
                    + " is outside the vocabulary of size " + V + " and is not the ignore index " + ignoreIndex);
        return t;
    }

    // ============================================================================================== causal mask

    /*
     * out[b, i, j] = value where j > i + offset (a key in the future of query i), else x[b, i, j].
     * offset = S − T lets T new queries attend to S cached keys. Gradient: dx = dout where kept, 0 where masked.
     */
    public static void causalMask(FloatPtr out, FloatPtr x, int B, int T, int S, int offset, float value) {
        // x, out: (B, T, S); out may be x itself
        for (int b = 0; b < B; b++) {
            for (int i = 0; i < T; i++) {
                long row = ((long) b * T + i) * S;
                for (int j = 0; j < S; j++) out.set(row + j, (long) j > (long) i + offset ? value : x.get(row + j));
            }
        }
    }

    // ============================================================================================== dropout

    /*
     * Inverted dropout: mask_i = 1/(1−p) if u_i ≥ p else 0, with u_i = CounterRng.uniform(seed, i); out = x · mask.
     * Scaling the kept values by 1/(1−p) keeps E[out] = x, so inference needs no rescaling. ∂out/∂x = mask.
     */
    public static void dropout(FloatPtr out, FloatPtr mask, FloatPtr x, long n, float p, long seed) {
        // x, out, mask: (n)
        float scale = 1f / (1f - p);
        for (long i = 0; i < n; i++) {
            float m = CounterRng.uniform(seed, i) >= p ? scale : 0f;
            mask.set(i, m);
            out.set(i, x.get(i) * m);
        }
    }

    // ============================================================================================== gather

    /*
     * out[c] = x[c with coordinate dim replaced by index[c]] for every coordinate c of out (torch.gather).
     * x may have any strides (xStrides, in elements); index and out are contiguous of shape `shape`.
     * Gradient: each dout[c] flows back to the one x element it was read from, hence scatterAdd below.
     */
    public static void gather(FloatPtr out, FloatPtr x, long[] xStrides, int xDimSize, int dim, IntPtr index,
                              int[] shape) {
        // out, index: shape   x: shape with dim of size xDimSize (other dims at least as large), strided
        int[] c = new int[shape.length];
        long n = numel(shape);
        for (long e = 0; e < n; e++) {
            int k = checkIndex(index.get(e), dim, xDimSize, "gather");
            long xo = 0;
            for (int d = 0; d < shape.length; d++) xo += (d == dim ? k : c[d]) * xStrides[d];
            out.set(e, x.get(xo));
            increment(c, shape);
        }
    }

    /* dx[c with coordinate dim replaced by index[c]] += dout[c]: the adjoint of gather. */
    public static void scatterAdd(FloatPtr dx, long[] dxStrides, int dxDimSize, FloatPtr dout, int dim, IntPtr index,
                                  int[] shape) {
        // dout, index: shape   dx: shape with dim of size dxDimSize, strided, accumulated
        int[] c = new int[shape.length];
        long n = numel(shape);
        for (long e = 0; e < n; e++) {
            int k = checkIndex(index.get(e), dim, dxDimSize, "scatterAdd");
            long xo = 0;
            for (int d = 0; d < shape.length; d++) xo += (d == dim ? k : c[d]) * dxStrides[d];
            dx.add(xo, dout.get(e));
            increment(c, shape);
        }
    }

    static int checkIndex(int k, int dim, int size, String op) {
        if (k < 0 || k >= size)
            throw new IndexOutOfBoundsException(op + ": index " + k + " is out of range for dim " + dim + " of size " + size);
        return k;
    }

    private static long numel(int[] shape) {
        long n = 1;
        for (int s : shape) n *= s;
        return n;
    }

    /** Advances a row-major multi-index by one. */
    private static void increment(int[] c, int[] shape) {
        for (int d = shape.length - 1; d >= 0; d--) {
            if (++c[d] < shape[d]) return;
            c[d] = 0;
        }
    }

    // ============================================================================================== AdamW

    /*
     * m = β1·m + (1−β1)·g          (running mean of the gradient)
     * v = β2·v + (1−β2)·g²         (running mean of its square)
     * param −= lr · (m̂ / (√v̂ + eps) + wd · param),  m̂ = m/(1−β1^step), v̂ = v/(1−β2^step)
     * The bias corrections undo the zero initialisation of m and v; weight decay is decoupled from the moments.
     */
    public static void adamW(FloatPtr param, FloatPtr grad, FloatPtr m, FloatPtr v, long n, float lr, float beta1,
                             float beta2, float eps, float weightDecay, int step) {
        // param, grad, m, v: (n); param, m, v updated in place
        float bc1 = biasCorrection(beta1, step), bc2 = biasCorrection(beta2, step);
        for (long i = 0; i < n; i++) {
            float g = grad.get(i);
            float mi = beta1 * m.get(i) + (1f - beta1) * g;
            float vi = beta2 * v.get(i) + (1f - beta2) * (g * g);
            float mHat = mi / bc1, vHat = vi / bc2;
            float p = param.get(i);
            param.set(i, p - lr * (mHat / ((float) Math.sqrt(vHat) + eps) + weightDecay * p));
            m.set(i, mi);
            v.set(i, vi);
        }
    }

    /** 1 − β^step, computed in double once per call (shared with the fast kernel so both agree bit for bit). */
    static float biasCorrection(float beta, int step) {
        return (float) (1.0 - Math.pow(beta, step));
    }
}
