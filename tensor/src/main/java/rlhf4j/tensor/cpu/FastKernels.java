package rlhf4j.tensor.cpu;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.MAX;
import static jdk.incubator.vector.VectorOperators.MIN;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import rlhf4j.tensor.BinaryOp;
import rlhf4j.tensor.UnaryOp;

/**
 * The fast versions of {@link ReferenceKernels} and of the contiguous elementwise ops: the same maths, vectorised
 * with the Vector API ({@link FloatVector#SPECIES_PREFERRED}, a scalar loop for the tail) and split over rows with
 * {@link Parallel}. Each kernel is tested against its scalar reference.
 *
 * <p>Sums over a row are accumulated in vector lanes for blocks of {@link #BLOCK} elements and the block totals
 * in double, so long rows (a 50257-word vocabulary) lose no more accuracy than short ones. exp and tanh use the
 * JDK's vector intrinsics (SVML on x86), which are both fast and accurate to about one float ulp.
 */
public final class FastKernels {
    private FastKernels() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    static final ByteOrder ORDER = ByteOrder.nativeOrder();
    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;

    /** Elements summed in float lanes before the block total is added to a double. */
    static final int BLOCK = 1024;

    static FloatVector load(MemorySegment s, long i) { return FloatVector.fromMemorySegment(S, s, i << 2, ORDER); }

    static void store(FloatVector v, MemorySegment s, long i) { v.intoMemorySegment(s, i << 2, ORDER); }

    static float get(MemorySegment s, long i) { return s.getAtIndex(F, i); }

    static void set(MemorySegment s, long i, float v) { s.setAtIndex(F, i, v); }

    // ============================================================================================== row helpers

    /** max over x[o .. o+n); NaN if any element is NaN (Math.max semantics in every lane). */
    static float rowMax(MemorySegment x, long o, int n) {
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int j = 0;
        for (int b = S.loopBound(n); j < b; j += L) acc = acc.max(load(x, o + j));
        float m = acc.reduceLanes(MAX);
        for (; j < n; j++) m = Math.max(m, get(x, o + j));
        return m;
    }

    /** Σ x[o .. o+n). */
    static double rowSum(MemorySegment x, long o, int n) {
        double total = 0;
        int j = 0, bound = S.loopBound(n);
        while (j < bound) {
            FloatVector acc = FloatVector.zero(S);
            for (int end = Math.min(bound, j + BLOCK); j < end; j += L) acc = acc.add(load(x, o + j));
            total += acc.reduceLanes(ADD);
        }
        for (; j < n; j++) total += get(x, o + j);
        return total;
    }

    /** Σ a[ao + j] · b[bo + j] over j < n. */
    static double rowDot(MemorySegment a, long ao, MemorySegment b, long bo, int n) {
        double total = 0;
        int j = 0, bound = S.loopBound(n);
        while (j < bound) {
            FloatVector acc = FloatVector.zero(S);
            for (int end = Math.min(bound, j + BLOCK); j < end; j += L)
                acc = acc.add(load(a, ao + j).mul(load(b, bo + j)));
            total += acc.reduceLanes(ADD);
        }
        for (; j < n; j++) total += (double) get(a, ao + j) * get(b, bo + j);
        return total;
    }

    /** Σ e^(x[o + j] − shift) over j < n; when {@code out} is not null the exponentials are also stored there. */
    static double rowSumExp(MemorySegment x, long o, int n, float shift, MemorySegment out, long oo) {
        double total = 0;
        int j = 0, bound = S.loopBound(n);
        while (j < bound) {
            FloatVector acc = FloatVector.zero(S);
            for (int end = Math.min(bound, j + BLOCK); j < end; j += L) {
                FloatVector e = load(x, o + j).sub(shift).lanewise(VectorOperators.EXP);
                if (out != null) store(e, out, oo + j);
                acc = acc.add(e);
            }
            total += acc.reduceLanes(ADD);
        }
        for (; j < n; j++) {
            float e = (float) Math.exp(get(x, o + j) - shift);
            if (out != null) set(out, oo + j, e);
            total += e;
        }
        return total;
    }

    /** out[oo + j] = x[xo + j] · s over j < n (out may be x). */
    static void rowScale(MemorySegment x, long xo, float s, MemorySegment out, long oo, int n) {
        int j = 0;
        for (int b = S.loopBound(n); j < b; j += L) store(load(x, xo + j).mul(s), out, oo + j);
        for (; j < n; j++) set(out, oo + j, get(x, xo + j) * s);
    }

    // ============================================================================================== softmax

    /** Softmax / log-softmax over rows; see {@link ReferenceKernels#softmaxForward}. */
    public static void softmaxForward(FloatPtr out, FloatPtr x, int N, int C, boolean log) {
        // x, out: (N, C); out may be x itself
        MemorySegment xs = x.seg(), os = out.seg();
        long xo = x.off(), oo = out.off();
        Parallel.forRange(N, 3L * C, (r0, r1) -> {
            for (long i = r0; i < r1; i++) {
                long xi = xo + i * C, oi = oo + i * C;
                float max = rowMax(xs, xi, C);
                if (log) {
                    float logSum = (float) Math.log(rowSumExp(xs, xi, C, max, null, 0));
                    int j = 0;
                    for (int b = S.loopBound(C); j < b; j += L) store(load(xs, xi + j).sub(max).sub(logSum), os, oi + j);
                    for (; j < C; j++) set(os, oi + j, get(xs, xi + j) - max - logSum);
                } else {
                    double sum = rowSumExp(xs, xi, C, max, os, oi);   // out = e^(x − max) for now
                    rowScale(os, oi, (float) (1.0 / sum), os, oi, C);
                }
            }
        });
    }

    /** See {@link ReferenceKernels#softmaxBackward}. */
    public static void softmaxBackward(FloatPtr dx, FloatPtr y, FloatPtr dy, int N, int C, boolean log) {
        // y, dy, dx: (N, C)
        MemorySegment ys = y.seg(), gs = dy.seg(), ds = dx.seg();
        long yo = y.off(), go = dy.off(), dxo = dx.off();
        Parallel.forRange(N, 2L * C, (r0, r1) -> {
            for (long i = r0; i < r1; i++) {
                long yi = yo + i * C, gi = go + i * C, di = dxo + i * C;
                int j = 0;
                if (log) {
                    float sumDy = (float) rowSum(gs, gi, C);
                    for (int b = S.loopBound(C); j < b; j += L) {
                        FloatVector p = load(ys, yi + j).lanewise(VectorOperators.EXP);
                        store(load(gs, gi + j).sub(p.mul(sumDy)), ds, di + j);
                    }
                    for (; j < C; j++) set(ds, di + j, get(gs, gi + j) - (float) Math.exp(get(ys, yi + j)) * sumDy);
                } else {
                    float dot = (float) rowDot(gs, gi, ys, yi, C);
                    for (int b = S.loopBound(C); j < b; j += L)
                        store(load(ys, yi + j).mul(load(gs, gi + j).sub(dot)), ds, di + j);
                    for (; j < C; j++) set(ds, di + j, get(ys, yi + j) * (get(gs, gi + j) - dot));
                }
            }
        });
    }

    // ============================================================================================== layernorm

    /** See {@link ReferenceKernels#layerNormForward}. */
    public static void layerNormForward(FloatPtr out, FloatPtr mean, FloatPtr rstd,
                                        FloatPtr x, FloatPtr weight, FloatPtr bias, int N, int C, float eps) {
        // x, out: (N, C)   weight, bias: (C)   mean, rstd: (N)
        MemorySegment xs = x.seg(), os = out.seg(), ws = weight.seg(), bs = bias.seg();
        long xo = x.off(), oo = out.off(), wo = weight.off(), bo = bias.off();
        Parallel.forRange(N, 3L * C, (r0, r1) -> {
            for (long i = r0; i < r1; i++) {
                long xi = xo + i * C, oi = oo + i * C;
                float mu = (float) (rowSum(xs, xi, C) / C);
                float s = (float) (1.0 / Math.sqrt(rowSquaredDeviation(xs, xi, C, mu) / C + eps));
                int j = 0;
                for (int b = S.loopBound(C); j < b; j += L)
                    store(load(xs, xi + j).sub(mu).mul(s).mul(load(ws, wo + j)).add(load(bs, bo + j)), os, oi + j);
                for (; j < C; j++) set(os, oi + j, (get(xs, xi + j) - mu) * s * get(ws, wo + j) + get(bs, bo + j));
                mean.set(i, mu);
                rstd.set(i, s);
            }
        });
    }

    /** Σ (x − mu)² over a row. */
    static double rowSquaredDeviation(MemorySegment x, long o, int n, float mu) {
        double total = 0;
        int j = 0, bound = S.loopBound(n);
        while (j < bound) {
            FloatVector acc = FloatVector.zero(S);
            for (int end = Math.min(bound, j + BLOCK); j < end; j += L) {
                FloatVector d = load(x, o + j).sub(mu);
                acc = acc.add(d.mul(d));
            }
            total += acc.reduceLanes(ADD);
        }
        for (; j < n; j++) {
            double d = get(x, o + j) - mu;
            total += d * d;
        }
        return total;
    }

    /**
     * See {@link ReferenceKernels#layerNormBackward}. Each chunk of rows accumulates dweight and dbias into its own
     * scratch row; the chunks are then added in chunk order, so the result is the same on every run.
     */
    public static void layerNormBackward(FloatPtr dx, FloatPtr dweight, FloatPtr dbias,
                                         FloatPtr dy, FloatPtr x, FloatPtr weight, FloatPtr mean, FloatPtr rstd,
                                         int N, int C) {
        // dy, x, dx: (N, C)   weight, dweight, dbias: (C)   mean, rstd: (N)
        MemorySegment xs = x.seg(), gs = dy.seg(), ds = dx.seg(), ws = weight.seg();
        long xo = x.off(), go = dy.off(), dxo = dx.off(), wo = weight.off();
        int chunks = Parallel.chunks(N, 4L * C);
        try (Scratch partial = new Scratch(2L * chunks * C)) {   // (chunks, 2, C): dweight then dbias per chunk
            MemorySegment ps = partial.segment();
            Parallel.forChunks(N, 4L * C, (c, r0, r1) -> {
                long pw = 2L * c * C, pb = pw + C;
                for (long i = r0; i < r1; i++) {
                    long xi = xo + i * C, gi = go + i * C, di = dxo + i * C;
                    float mu = mean.get(i), s = rstd.get(i);
                    // first pass: Σ dn and Σ dn·n with n = (x − μ)·rstd, dn = dy·w
                    FloatVector aDn = FloatVector.zero(S), aDnN = FloatVector.zero(S);
                    double sumDn = 0, sumDnN = 0;
                    int j = 0;
                    for (int b = S.loopBound(C); j < b; j += L) {
                        FloatVector n = load(xs, xi + j).sub(mu).mul(s);
                        FloatVector dn = load(gs, gi + j).mul(load(ws, wo + j));
                        aDn = aDn.add(dn);
                        aDnN = aDnN.add(dn.mul(n));
                        if ((j & (BLOCK - 1)) == BLOCK - L) {   // flush the lanes every BLOCK elements
                            sumDn += aDn.reduceLanes(ADD); sumDnN += aDnN.reduceLanes(ADD);
                            aDn = FloatVector.zero(S); aDnN = FloatVector.zero(S);
                        }
                    }
                    sumDn += aDn.reduceLanes(ADD);
                    sumDnN += aDnN.reduceLanes(ADD);
                    for (; j < C; j++) {
                        float n = (get(xs, xi + j) - mu) * s, dn = get(gs, gi + j) * get(ws, wo + j);
                        sumDn += dn;
                        sumDnN += (double) dn * n;
                    }
                    float meanDn = (float) (sumDn / C), meanDnN = (float) (sumDnN / C);
                    // second pass: dx, and the parameter gradients into this chunk's scratch rows
                    j = 0;
                    for (int b = S.loopBound(C); j < b; j += L) {
                        FloatVector g = load(gs, gi + j);
                        FloatVector n = load(xs, xi + j).sub(mu).mul(s);
                        FloatVector dn = g.mul(load(ws, wo + j));
                        store(load(ps, pb + j).add(g), ps, pb + j);
                        store(load(ps, pw + j).add(g.mul(n)), ps, pw + j);
                        store(dn.sub(meanDn).sub(n.mul(meanDnN)).mul(s), ds, di + j);
                    }
                    for (; j < C; j++) {
                        float g = get(gs, gi + j), n = (get(xs, xi + j) - mu) * s, dn = g * get(ws, wo + j);
                        set(ps, pb + j, get(ps, pb + j) + g);
                        set(ps, pw + j, get(ps, pw + j) + g * n);
                        set(ds, di + j, s * (dn - meanDn - n * meanDnN));
                    }
                }
            });
            for (int c = 0; c < chunks; c++) {
                addRow(ps, 2L * c * C, dweight, C);
                addRow(ps, 2L * c * C + C, dbias, C);
            }
        }
    }

    /** dst[0 .. n) += src[so .. so+n). */
    static void addRow(MemorySegment src, long so, FloatPtr dst, int n) {
        MemorySegment ds = dst.seg();
        long d = dst.off();
        int j = 0;
        for (int b = S.loopBound(n); j < b; j += L) store(load(ds, d + j).add(load(src, so + j)), ds, d + j);
        for (; j < n; j++) set(ds, d + j, get(ds, d + j) + get(src, so + j));
    }

    // ============================================================================================== rmsnorm

    /** See {@link ReferenceKernels#rmsNormForward}. */
    public static void rmsNormForward(FloatPtr out, FloatPtr rstd, FloatPtr x, FloatPtr weight, int N, int C, float eps) {
        // x, out: (N, C)   weight: (C)   rstd: (N)
        MemorySegment xs = x.seg(), os = out.seg(), ws = weight.seg();
        long xo = x.off(), oo = out.off(), wo = weight.off();
        Parallel.forRange(N, 2L * C, (r0, r1) -> {
            for (long i = r0; i < r1; i++) {
                long xi = xo + i * C, oi = oo + i * C;
                float s = (float) (1.0 / Math.sqrt(rowDot(xs, xi, xs, xi, C) / C + eps));
                int j = 0;
                for (int b = S.loopBound(C); j < b; j += L)
                    store(load(xs, xi + j).mul(s).mul(load(ws, wo + j)), os, oi + j);
                for (; j < C; j++) set(os, oi + j, get(xs, xi + j) * s * get(ws, wo + j));
                rstd.set(i, s);
            }
        });
    }

    /** See {@link ReferenceKernels#rmsNormBackward}; dweight is reduced per chunk like layerNorm's. */
    public static void rmsNormBackward(FloatPtr dx, FloatPtr dweight, FloatPtr dy, FloatPtr x, FloatPtr weight,
                                       FloatPtr rstd, int N, int C) {
        // dy, x, dx: (N, C)   weight, dweight: (C)   rstd: (N)
        MemorySegment xs = x.seg(), gs = dy.seg(), ds = dx.seg(), ws = weight.seg();
        long xo = x.off(), go = dy.off(), dxo = dx.off(), wo = weight.off();
        int chunks = Parallel.chunks(N, 3L * C);
        try (Scratch partial = new Scratch((long) chunks * C)) {   // (chunks, C)
            MemorySegment ps = partial.segment();
            Parallel.forChunks(N, 3L * C, (c, r0, r1) -> {
                long pw = (long) c * C;
                for (long i = r0; i < r1; i++) {
                    long xi = xo + i * C, gi = go + i * C, di = dxo + i * C;
                    float s = rstd.get(i);
                    // Σ dn·n = rstd · Σ dy·w·x
                    double sumDnN = 0;
                    int j = 0, bound = S.loopBound(C);
                    while (j < bound) {
                        FloatVector acc = FloatVector.zero(S);
                        for (int end = Math.min(bound, j + BLOCK); j < end; j += L)
                            acc = acc.add(load(gs, gi + j).mul(load(ws, wo + j)).mul(load(xs, xi + j).mul(s)));
                        sumDnN += acc.reduceLanes(ADD);
                    }
                    for (; j < C; j++) sumDnN += (double) get(gs, gi + j) * get(ws, wo + j) * (get(xs, xi + j) * s);
                    float meanDnN = (float) (sumDnN / C);
                    j = 0;
                    for (; j < bound; j += L) {
                        FloatVector g = load(gs, gi + j);
                        FloatVector n = load(xs, xi + j).mul(s);
                        store(load(ps, pw + j).add(g.mul(n)), ps, pw + j);
                        store(g.mul(load(ws, wo + j)).sub(n.mul(meanDnN)).mul(s), ds, di + j);
                    }
                    for (; j < C; j++) {
                        float g = get(gs, gi + j), n = get(xs, xi + j) * s;
                        set(ps, pw + j, get(ps, pw + j) + g * n);
                        set(ds, di + j, s * (g * get(ws, wo + j) - n * meanDnN));
                    }
                }
            });
            for (int c = 0; c < chunks; c++) addRow(ps, (long) c * C, dweight, C);
        }
    }

    // ============================================================================================== cross-entropy

    /** See {@link ReferenceKernels#crossEntropyForward}. */
    public static void crossEntropyForward(FloatPtr losses, FloatPtr logsumexp, FloatPtr logits, IntPtr targets,
                                           int ignoreIndex, int N, int V) {
        // logits: (N, V)   targets, losses, logsumexp: (N)
        MemorySegment xs = logits.seg();
        long xo = logits.off();
        Parallel.forRange(N, 2L * V, (r0, r1) -> {
            for (long i = r0; i < r1; i++) {
                long xi = xo + i * V;
                float max = rowMax(xs, xi, V);
                float lse = (float) (max + Math.log(rowSumExp(xs, xi, V, max, null, 0)));
                logsumexp.set(i, lse);
                int t = targets.get(i);
                if (t == ignoreIndex) losses.set(i, 0f);
                else losses.set(i, lse - get(xs, xi + ReferenceKernels.checkTarget(t, i, V, ignoreIndex)));
            }
        });
    }

    /** See {@link ReferenceKernels#crossEntropyBackward}. */
    public static void crossEntropyBackward(FloatPtr dlogits, FloatPtr logits, IntPtr targets, FloatPtr logsumexp,
                                            FloatPtr dlosses, int ignoreIndex, int N, int V) {
        // logits, dlogits: (N, V)   targets, logsumexp, dlosses: (N)
        MemorySegment xs = logits.seg(), ds = dlogits.seg();
        long xo = logits.off(), dxo = dlogits.off();
        Parallel.forRange(N, 2L * V, (r0, r1) -> {
            for (long i = r0; i < r1; i++) {
                long xi = xo + i * V, di = dxo + i * V;
                int t = targets.get(i);
                if (t == ignoreIndex) {
                    ds.asSlice(di << 2, (long) V << 2).fill((byte) 0);
                    continue;
                }
                ReferenceKernels.checkTarget(t, i, V, ignoreIndex);
                float lse = logsumexp.get(i), g = dlosses.get(i);
                int j = 0;
                for (int b = S.loopBound(V); j < b; j += L)
                    store(load(xs, xi + j).sub(lse).lanewise(VectorOperators.EXP).mul(g), ds, di + j);
                for (; j < V; j++) set(ds, di + j, g * (float) Math.exp(get(xs, xi + j) - lse));
                // the one-hot term touches a single element: g · (p − 1) there
                float p = (float) Math.exp(get(xs, xi + t) - lse);
                set(ds, di + t, g * (p - 1f));
            }
        });
    }

    // ============================================================================================== embedding

    /** See {@link ReferenceKernels#embeddingForward}: one bulk copy per row, rows split over threads. */
    public static void embeddingForward(FloatPtr out, FloatPtr weight, IntPtr ids, int N, int V, int C) {
        // out: (N, C)   weight: (V, C)   ids: (N)
        Parallel.forRange(N, C, (r0, r1) -> {
            for (long n = r0; n < r1; n++) {
                int id = ReferenceKernels.checkId(ids.get(n), n, V);
                MemorySegment.copy(weight.seg(), (weight.off() + (long) id * C) << 2,
                        out.seg(), (out.off() + n * C) << 2, (long) C << 2);
            }
        });
    }

    /**
     * See {@link ReferenceKernels#embeddingBackward}. Two tokens may share an id, so rows cannot be split over
     * threads without races; the channels can: each thread owns a column block and walks every token in order.
     */
    public static void embeddingBackward(FloatPtr dweight, FloatPtr dout, IntPtr ids, int N, int V, int C) {
        // dweight: (V, C) accumulated   dout: (N, C)   ids: (N)
        for (int n = 0; n < N; n++) ReferenceKernels.checkId(ids.get(n), n, V);
        MemorySegment ws = dweight.seg(), gs = dout.seg();
        long wo = dweight.off(), go = dout.off();
        long blocks = (C + L - 1) / L;   // column blocks of one vector each
        Parallel.forRange(blocks, N * (long) L, (b0, b1) -> {
            int c0 = (int) (b0 * L), c1 = (int) Math.min(C, b1 * L);
            for (int n = 0; n < N; n++) {
                long w = wo + (long) ids.get(n) * C, g = go + (long) n * C;
                int c = c0;
                for (; c + L <= c1; c += L) store(load(ws, w + c).add(load(gs, g + c)), ws, w + c);
                for (; c < c1; c++) set(ws, w + c, get(ws, w + c) + get(gs, g + c));
            }
        });
    }

    // ============================================================================================== mask, dropout

    /** See {@link ReferenceKernels#causalMask}, rows split over threads. */
    public static void causalMask(FloatPtr out, FloatPtr x, int B, int T, int S, int offset, float value) {
        // x, out: (B, T, S); out may be x itself
        MemorySegment xs = x.seg(), os = out.seg();
        long xo = x.off(), oo = out.off();
        Parallel.forRange((long) B * T, S, (r0, r1) -> {
            for (long r = r0; r < r1; r++) {
                long i = r % T, row = r * S;
                int keep = (int) Math.max(0, Math.min(S, i + offset + 1));   // columns j ≤ i + offset are kept
                if (xs != os || xo != oo) MemorySegment.copy(xs, (xo + row) << 2, os, (oo + row) << 2, (long) keep << 2);
                for (int j = keep; j < S; j++) set(os, oo + row + j, value);
            }
        });
    }

    /** See {@link ReferenceKernels#dropout}; mask element i depends only on (seed, i), so any split gives the same bits. */
    public static void dropout(FloatPtr out, FloatPtr mask, FloatPtr x, long n, float p, long seed) {
        // x, out, mask: (n)
        float scale = 1f / (1f - p);
        Parallel.forRange(n, 4, (s, e) -> {
            for (long i = s; i < e; i++) {
                float m = rlhf4j.tensor.CounterRng.uniform(seed, i) >= p ? scale : 0f;
                mask.set(i, m);
                out.set(i, x.get(i) * m);
            }
        });
    }

    // ============================================================================================== AdamW

    /**
     * See {@link ReferenceKernels#adamW}. The same float operations in the same order (no fused multiply-add), so
     * the result equals the reference bit for bit.
     */
    public static void adamW(FloatPtr param, FloatPtr grad, FloatPtr m, FloatPtr v, long n, float lr, float beta1,
                             float beta2, float eps, float weightDecay, int step) {
        // param, grad, m, v: (n); param, m, v updated in place
        float bc1 = ReferenceKernels.biasCorrection(beta1, step), bc2 = ReferenceKernels.biasCorrection(beta2, step);
        float c1 = 1f - beta1, c2 = 1f - beta2;
        MemorySegment ps = param.seg(), gs = grad.seg(), ms = m.seg(), vs = v.seg();
        long po = param.off(), go = grad.off(), mo = m.off(), vo = v.off();
        Parallel.forRange(n, 8, (s, e) -> {
            long i = s;
            for (long b = s + S.loopBound(e - s); i < b; i += L) {
                FloatVector g = load(gs, go + i);
                FloatVector mi = load(ms, mo + i).mul(beta1).add(g.mul(c1));
                FloatVector vi = load(vs, vo + i).mul(beta2).add(g.mul(g).mul(c2));
                FloatVector mHat = mi.div(bc1), vHat = vi.div(bc2);
                FloatVector p = load(ps, po + i);
                store(p.sub(mHat.div(vHat.sqrt().add(eps)).add(p.mul(weightDecay)).mul(lr)), ps, po + i);
                store(mi, ms, mo + i);
                store(vi, vs, vo + i);
            }
            for (; i < e; i++) {
                float g = get(gs, go + i);
                float mi = beta1 * get(ms, mo + i) + c1 * g;
                float vi = beta2 * get(vs, vo + i) + c2 * (g * g);
                float mHat = mi / bc1, vHat = vi / bc2;
                float p = get(ps, po + i);
                set(ps, po + i, p - lr * (mHat / ((float) Math.sqrt(vHat) + eps) + weightDecay * p));
                set(ms, mo + i, mi);
                set(vs, vo + i, vi);
            }
        });
    }

    // ============================================================================================== elementwise

    static final float GELU_C = ScalarMath.GELU_C;
    static final float GELU_A = 0.044715f;

    /** out[oo + j] = op(x[xo + j]) for j < n; the scalar tail is {@link ScalarMath#unary}. out may be x. */
    public static void unaryRow(UnaryOp op, MemorySegment x, long xo, float p, MemorySegment out, long oo, int n) {
        int j = 0;
        for (int b = S.loopBound(n); j < b; j += L) store(unary(op, load(x, xo + j), p), out, oo + j);
        for (; j < n; j++) set(out, oo + j, ScalarMath.unary(op, get(x, xo + j), p));
    }

    /** One vector of {@link ScalarMath#unary}: the same formulas lane by lane. */
    static FloatVector unary(UnaryOp op, FloatVector x, float p) {
        return switch (op) {
            case NEG -> x.neg();
            case EXP -> x.lanewise(VectorOperators.EXP);
            case LOG -> x.lanewise(VectorOperators.LOG);
            case TANH -> x.lanewise(VectorOperators.TANH);
            case SIGMOID -> sigmoid(x);
            case RELU -> FloatVector.zero(S).blend(x, x.compare(VectorOperators.GT, 0f));   // NaN → 0, like the scalar
            case GELU -> gelu(x);
            case SILU -> x.mul(sigmoid(x));
            case SQRT -> x.sqrt();
            case RSQRT -> FloatVector.broadcast(S, 1f).div(x.sqrt());
            case ABS -> x.abs();
            case SQUARE -> x.mul(x);
            case RECIPROCAL -> FloatVector.broadcast(S, 1f).div(x);
            case SOFTPLUS -> x.max(0f).add(x.abs().neg().lanewise(VectorOperators.EXP).lanewise(VectorOperators.LOG1P));
            case POW -> x.pow(p);
            case SCALE -> x.mul(p);
            case ADD_SCALAR -> x.add(p);
            case CLAMP_MIN -> x.max(p);
            case CLAMP_MAX -> x.min(p);
            case GT_SCALAR -> FloatVector.zero(S).blend(1f, x.compare(VectorOperators.GT, p));
        };
    }

    /** σ(x) = 1/(1 + e^−x), computed from s = e^−|x| ≤ 1 so nothing overflows: x ≥ 0 ? 1/(1+s) : s/(1+s). */
    static FloatVector sigmoid(FloatVector x) {
        FloatVector s = x.abs().neg().lanewise(VectorOperators.EXP);
        FloatVector inv = FloatVector.broadcast(S, 1f).div(s.add(1f));
        return inv.mul(s).blend(inv, x.compare(VectorOperators.GE, 0f));
    }

    /** GPT-2's tanh GELU: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
    static FloatVector gelu(FloatVector x) {
        FloatVector u = x.mul(GELU_A).mul(x).mul(x).add(x).mul(GELU_C);
        return x.mul(0.5f).mul(u.lanewise(VectorOperators.TANH).add(1f));
    }

    /** dx[j] = dy[j] · op'(x[j]) given y = op(x); the scalar tail is {@link ScalarMath#derivative}. */
    public static void unaryBackwardRow(UnaryOp op, MemorySegment x, long xo, MemorySegment y, long yo, float p,
                                        MemorySegment dy, long go, MemorySegment dx, long dxo, int n) {
        int j = 0;
        for (int b = S.loopBound(n); j < b; j += L)
            store(load(dy, go + j).mul(derivative(op, load(x, xo + j), load(y, yo + j), p)), dx, dxo + j);
        for (; j < n; j++)
            set(dx, dxo + j, get(dy, go + j) * ScalarMath.derivative(op, get(x, xo + j), get(y, yo + j), p));
    }

    /** One vector of {@link ScalarMath#derivative}. */
    static FloatVector derivative(UnaryOp op, FloatVector x, FloatVector y, float p) {
        FloatVector one = FloatVector.broadcast(S, 1f), zero = FloatVector.zero(S);
        return switch (op) {
            case NEG -> one.neg();
            case EXP -> y;
            case LOG -> one.div(x);
            case TANH -> one.sub(y.mul(y));
            case SIGMOID -> y.mul(one.sub(y));
            case RELU -> zero.blend(1f, x.compare(VectorOperators.GT, 0f));
            case GELU -> {
                FloatVector u = x.mul(GELU_A).mul(x).mul(x).add(x).mul(GELU_C);
                FloatVector t = u.lanewise(VectorOperators.TANH);
                FloatVector du = x.mul(3f * GELU_A).mul(x).add(1f).mul(GELU_C);
                yield t.add(1f).mul(0.5f).add(x.mul(0.5f).mul(one.sub(t.mul(t))).mul(du));
            }
            case SILU -> {
                FloatVector s = sigmoid(x);
                yield s.mul(x.mul(one.sub(s)).add(1f));
            }
            case SQRT -> FloatVector.broadcast(S, 0.5f).div(y);
            case RSQRT -> y.mul(-0.5f).mul(y).mul(y);
            case ABS -> zero.blend(1f, x.compare(VectorOperators.GT, 0f)).blend(-1f, x.compare(VectorOperators.LT, 0f));
            case SQUARE -> x.mul(2f);
            case RECIPROCAL -> y.mul(y).neg();
            case SOFTPLUS -> sigmoid(x);
            case POW -> x.pow(p - 1).mul(p);
            case SCALE -> FloatVector.broadcast(S, p);
            case ADD_SCALAR -> one;
            case CLAMP_MIN -> zero.blend(1f, x.compare(VectorOperators.GE, p));
            case CLAMP_MAX -> zero.blend(1f, x.compare(VectorOperators.LE, p));
            case GT_SCALAR -> zero;
        };
    }

    /**
     * out[oo + j] = op(a[ai + j·sa], b[bi + j·sb]) for j < n, where a stride of 0 broadcasts one value (a bias row,
     * a scalar) and 1 walks a dense row. out may alias a.
     */
    public static void binaryRow(BinaryOp op, MemorySegment a, long ai, long sa, MemorySegment b, long bi, long sb,
                                 MemorySegment out, long oi, int n) {
        FloatVector a0 = sa == 0 ? FloatVector.broadcast(S, get(a, ai)) : null;
        FloatVector b0 = sb == 0 ? FloatVector.broadcast(S, get(b, bi)) : null;
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            FloatVector va = a0 != null ? a0 : load(a, ai + j), vb = b0 != null ? b0 : load(b, bi + j);
            store(binary(op, va, vb), out, oi + j);
        }
        for (; j < n; j++) set(out, oi + j, ScalarMath.binary(op, get(a, ai + j * sa), get(b, bi + j * sb)));
    }

    /** One vector of {@link ScalarMath#binary}. */
    static FloatVector binary(BinaryOp op, FloatVector a, FloatVector b) {
        return switch (op) {
            case ADD -> a.add(b);
            case SUB -> a.sub(b);
            case MUL -> a.mul(b);
            case DIV -> a.div(b);
            case MAX -> a.max(b);
            case MIN -> a.min(b);
            case POW -> a.pow(b);
            case EQ -> FloatVector.zero(S).blend(1f, a.compare(VectorOperators.EQ, b));
            case GT -> FloatVector.zero(S).blend(1f, a.compare(VectorOperators.GT, b));
            case LT -> FloatVector.zero(S).blend(1f, a.compare(VectorOperators.LT, b));
        };
    }

    // ============================================================================================== reductions

    /** SUM, MEAN, MAX or MIN of each contiguous row of length r: out[oo + i] for rows i in [0, rows). */
    public static void reduceRows(rlhf4j.tensor.ReduceOp op, MemorySegment x, long xo, long rows, int r,
                                  MemorySegment out, long oo) {
        Parallel.forRange(rows, r, (r0, r1) -> {
            for (long i = r0; i < r1; i++) {
                long xi = xo + i * r;
                float v = switch (op) {
                    case SUM -> (float) rowSum(x, xi, r);
                    case MEAN -> (float) (rowSum(x, xi, r) / r);
                    case MAX -> rowMax(x, xi, r);
                    case MIN -> rowMin(x, xi, r);
                    case ARGMAX -> throw new IllegalArgumentException("argmax is not a vector reduction");
                };
                set(out, oo + i, v);
            }
        });
    }

    /** min over a row; NaN if any element is NaN. */
    static float rowMin(MemorySegment x, long o, int n) {
        FloatVector acc = FloatVector.broadcast(S, Float.POSITIVE_INFINITY);
        int j = 0;
        for (int b = S.loopBound(n); j < b; j += L) acc = acc.min(load(x, o + j));
        float m = acc.reduceLanes(MIN);
        for (; j < n; j++) m = Math.min(m, get(x, o + j));
        return m;
    }

    /**
     * One long row reduced by several threads: each chunk reduces its part, then the chunk results are combined in
     * chunk order (sums in double), so the bits do not depend on timing.
     */
    public static float reduceLongRow(rlhf4j.tensor.ReduceOp op, MemorySegment x, long xo, long n) {
        int chunks = Parallel.chunks(n, 1);
        double[] partial = new double[chunks];
        Parallel.forChunks(n, 1, (c, s, e) -> {
            int len = (int) (e - s);
            partial[c] = switch (op) {
                case SUM, MEAN -> rowSum(x, xo + s, len);
                case MAX -> rowMax(x, xo + s, len);
                case MIN -> rowMin(x, xo + s, len);
                case ARGMAX -> throw new IllegalArgumentException("argmax is not a vector reduction");
            };
        });
        double acc = switch (op) {
            case SUM, MEAN -> 0;
            case MAX -> Double.NEGATIVE_INFINITY;
            default -> Double.POSITIVE_INFINITY;
        };
        for (double p : partial)
            acc = switch (op) {
                case SUM, MEAN -> acc + p;
                case MAX -> Math.max(acc, p);
                default -> Math.min(acc, p);
            };
        return (float) (op == rlhf4j.tensor.ReduceOp.MEAN ? acc / n : acc);
    }
}
