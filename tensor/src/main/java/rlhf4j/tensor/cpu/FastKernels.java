package rlhf4j.tensor.cpu;

import static jdk.incubator.vector.VectorOperators.MAX;
import static jdk.incubator.vector.VectorOperators.MIN;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import rlhf4j.tensor.BinaryOp;
import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.UnaryOp;

/**
 * The fast versions of {@link ReferenceKernels} and of the contiguous elementwise ops: the same maths, vectorised
 * with the Vector API ({@link FloatVector#SPECIES_PREFERRED}, a scalar loop for the tail) and split over rows with
 * {@link Parallel}. Each kernel is tested against its scalar reference.
 *
 * <p>Sums over a row are accumulated in vector lanes for blocks of {@link #BLOCK} elements and the block totals
 * in double, so long rows (a 50257-word vocabulary) lose no more accuracy than short ones.
 *
 * <p>Same seed, same bits, whether the code runs interpreted, under C1 or under C2: every sum over lanes is added
 * in lane order ({@link #sumLanes}), exp, log, log1p and tanh are {@link VectorMath}'s polynomials (not the Vector
 * API's EXP/LOG/TANH, whose bits change once C2 swaps in SVML), pow is scalar {@link Math#pow}, and the scalar
 * tails use the scalar twins ({@link #unaryScalar}), so an element gives the same bits in a lane or in a tail.
 * GELU and SiLU are written with one exp and one division, which measured faster than tanh.
 *
 * <p>The elementwise kernels have one loop per op: a switch over the ops inside the loop makes the per-vector
 * method too big to inline, and the JIT then boxes every vector (megabytes of garbage per call). Keep vector
 * values out of fields, arrays and non-inlined calls for the same reason.
 */
public final class FastKernels {
    private FastKernels() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    static final ByteOrder ORDER = ByteOrder.nativeOrder();
    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

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
        if (j < n) {   // the tail as one masked vector: lanes past n keep −∞
            VectorMask<Float> tail = S.indexInRange(j, n);
            acc = acc.lanewise(MAX, FloatVector.fromMemorySegment(S, x, (o + j) << 2, ORDER, tail), tail);
        }
        return acc.reduceLanes(MAX);   // max is order-free (Math.max: NaN wins, +0 beats −0), so any order is fine
    }

    /**
     * Σ of the lanes of v, added one by one in lane order (lane 0 first) into a double. reduceLanes(ADD) leaves the
     * order open and really does change it when C2 compiles the loop (a tree instead of a chain), so the low bits of
     * every sum would change during warm-up; this order is the same in every execution mode.
     */
    static double sumLanes(FloatVector v) {
        double total = 0;
        for (int k = 0; k < L; k++) total += v.lane(k);
        return total;
    }

    /** Σ x[o .. o+n). */
    static double rowSum(MemorySegment x, long o, int n) {
        double total = 0;
        int j = 0, bound = S.loopBound(n);
        while (j < bound) {
            FloatVector acc = FloatVector.zero(S);
            for (int end = Math.min(bound, j + BLOCK); j < end; j += L) acc = acc.add(load(x, o + j));
            total += sumLanes(acc);
        }
        for (; j < n; j++) total += get(x, o + j);
        return total;
    }

    /** Σ x[o + j]² over j < n: {@link #rowSum} of the squared floats, block for block, so the same bits. */
    static double rowSumSquares(MemorySegment x, long o, int n) {
        double total = 0;
        int j = 0, bound = S.loopBound(n);
        while (j < bound) {
            FloatVector acc = FloatVector.zero(S);
            for (int end = Math.min(bound, j + BLOCK); j < end; j += L) acc = acc.add(square(load(x, o + j)));
            total += sumLanes(acc);
        }
        for (; j < n; j++) {
            float v = get(x, o + j);
            total += v * v;
        }
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
            total += sumLanes(acc);
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
                FloatVector e = VectorMath.exp(load(x, o + j).sub(shift));
                if (out != null) store(e, out, oo + j);
                acc = acc.add(e);
            }
            total += sumLanes(acc);
        }
        if (j < n) {   // the tail's exps as one masked vector (lane for lane the scalar exp), summed in order as before
            VectorMask<Float> tail = S.indexInRange(j, n);
            FloatVector e = VectorMath.exp(FloatVector.fromMemorySegment(S, x, (o + j) << 2, ORDER, tail).sub(shift));
            if (out != null) e.intoMemorySegment(out, (oo + j) << 2, ORDER, tail);
            for (int k = 0; j < n; j++, k++) total += e.lane(k);
        }
        return total;
    }

    /** out[oo + j] = g · e^(x[xo + j] − shift) over j < n, vector lanes and scalar tail alike. */
    static void expRow(MemorySegment x, long xo, float shift, float g, MemorySegment out, long oo, int n) {
        int j = 0;
        for (int b = S.loopBound(n); j < b; j += L) store(VectorMath.exp(load(x, xo + j).sub(shift)).mul(g), out, oo + j);
        if (j < n) {   // the tail as one masked vector: the same bits as the scalar exp, far cheaper for short rows
            VectorMask<Float> tail = S.indexInRange(j, n);
            VectorMath.exp(FloatVector.fromMemorySegment(S, x, (xo + j) << 2, ORDER, tail).sub(shift)).mul(g)
                    .intoMemorySegment(out, (oo + j) << 2, ORDER, tail);
        }
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
                if (log) logSoftmaxBackwardRow(ys, yi, gs, gi, ds, di, C);
                else softmaxBackwardRow(ys, yi, gs, gi, ds, di, C);
            }
        });
    }

    // The rows of softmaxBackward, each a method of its own: in the lambda together (with exp) they passed C2's node
    // budget, and the loads and stores left out of line then ran lane by lane.

    /** dx = dy − e^y · Σ dy over one row of a log-softmax. */
    static void logSoftmaxBackwardRow(MemorySegment ys, long yi, MemorySegment gs, long gi, MemorySegment ds, long di, int C) {
        float sumDy = (float) rowSum(gs, gi, C);
        int j = 0;
        for (int b = S.loopBound(C); j < b; j += L) {
            FloatVector p = VectorMath.exp(load(ys, yi + j));
            store(load(gs, gi + j).sub(p.mul(sumDy)), ds, di + j);
        }
        for (; j < C; j++) set(ds, di + j, get(gs, gi + j) - VectorMath.exp(get(ys, yi + j)) * sumDy);
    }

    /** dx = y · (dy − Σ dy·y) over one row of a softmax. */
    static void softmaxBackwardRow(MemorySegment ys, long yi, MemorySegment gs, long gi, MemorySegment ds, long di, int C) {
        float dot = (float) rowDot(gs, gi, ys, yi, C);
        int j = 0;
        for (int b = S.loopBound(C); j < b; j += L) store(load(ys, yi + j).mul(load(gs, gi + j).sub(dot)), ds, di + j);
        for (; j < C; j++) set(ds, di + j, get(ys, yi + j) * (get(gs, gi + j) - dot));
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
            total += sumLanes(acc);
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
                    double sumDn = rowDot(gs, gi, ws, wo, C);
                    double sumDnN = rowDotNorm(gs, gi, ws, wo, xs, xi, mu, s, C);
                    float meanDn = (float) (sumDn / C), meanDnN = (float) (sumDnN / C);
                    // second pass: dx, and the parameter gradients into this chunk's scratch rows
                    int j = 0;
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

    /** Σ (dy·w)·((x − mu)·s) over a row: the Σ dn·n of the norm backward passes (mu = 0 for RMSNorm). */
    static double rowDotNorm(MemorySegment dy, long go, MemorySegment w, long wo, MemorySegment x, long xo,
                             float mu, float s, int n) {
        double total = 0;
        int j = 0, bound = S.loopBound(n);
        while (j < bound) {
            FloatVector acc = FloatVector.zero(S);
            for (int end = Math.min(bound, j + BLOCK); j < end; j += L)
                acc = acc.add(load(dy, go + j).mul(load(w, wo + j)).mul(load(x, xo + j).sub(mu).mul(s)));
            total += sumLanes(acc);
        }
        for (; j < n; j++) total += (double) (get(dy, go + j) * get(w, wo + j)) * ((get(x, xo + j) - mu) * s);
        return total;
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
                    float meanDnN = (float) (rowDotNorm(gs, gi, ws, wo, xs, xi, 0f, s, C) / C);   // mean(dn·n)
                    rmsNormBackwardRow(gs, gi, xs, xi, ws, wo, s, meanDnN, ps, pw, ds, di, C);
                }
            });
            for (int c = 0; c < chunks; c++) addRow(ps, (long) c * C, dweight, C);
        }
    }

    /**
     * One row of {@link #rmsNormBackward}: dweight row += dy·n and dx = s·(dy·w − n·mean(dn·n)), n = x·s. A method
     * of its own, so C2 compiles the vector loop alone instead of past its node budget inside the lambda.
     */
    static void rmsNormBackwardRow(MemorySegment gs, long gi, MemorySegment xs, long xi, MemorySegment ws, long wo,
                                   float s, float meanDnN, MemorySegment ps, long pw, MemorySegment ds, long di, int C) {
        int j = 0;
        for (int b = S.loopBound(C); j < b; j += L) {
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

    // ============================================================================================== cross-entropy

    /** See {@link ReferenceKernels#crossEntropyForward}. */
    public static void crossEntropyForward(FloatPtr losses, FloatPtr logsumexp, FloatPtr logits, IntPtr targets,
                                           int ignoreIndex, int N, int V) {
        // logits: (N, V)   targets, losses, logsumexp: (N)
        checkTargets(targets, ignoreIndex, N, V);
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
                else losses.set(i, lse - get(xs, xi + t));
            }
        });
    }

    /** See {@link ReferenceKernels#crossEntropyBackward}. */
    public static void crossEntropyBackward(FloatPtr dlogits, FloatPtr logits, IntPtr targets, FloatPtr logsumexp,
                                            FloatPtr dlosses, int ignoreIndex, int N, int V) {
        // logits, dlogits: (N, V)   targets, logsumexp, dlosses: (N)
        checkTargets(targets, ignoreIndex, N, V);
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
                float lse = logsumexp.get(i), g = dlosses.get(i);
                expRow(xs, xi, lse, g, ds, di, V);   // g · softmax
                // the one-hot term touches a single element: g · (p − 1) there
                float p = VectorMath.exp(get(xs, xi + t) - lse);
                set(ds, di + t, g * (p - 1f));
            }
        });
    }

    /** Checks every target on the calling thread, so a bad one fails with a clear message before any work. */
    static void checkTargets(IntPtr targets, int ignoreIndex, int N, int V) {
        for (int i = 0; i < N; i++) {
            int t = targets.get(i);
            if (t != ignoreIndex) ReferenceKernels.checkTarget(t, i, V, ignoreIndex);
        }
    }

    // ============================================================================================== embedding

    /** See {@link ReferenceKernels#embeddingForward}: one bulk copy per row, rows split over threads. */
    public static void embeddingForward(FloatPtr out, FloatPtr weight, IntPtr ids, int N, int V, int C) {
        // out: (N, C)   weight: (V, C)   ids: (N)
        for (int n = 0; n < N; n++) ReferenceKernels.checkId(ids.get(n), n, V);   // fail before writing anything
        Parallel.forRange(N, C, (r0, r1) -> {
            for (long n = r0; n < r1; n++) {
                int id = ids.get(n);
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

    /**
     * See {@link ReferenceKernels#dropout}. Mask element i depends only on (seed, i), so any split over threads
     * gives the same bits. The uniforms are {@link CounterRng#uniform} computed eight (or four) at a time in long
     * lanes: the same SplitMix64 finaliser, with the stream's own mix(seed) hoisted out of the loop.
     */
    public static void dropout(FloatPtr out, FloatPtr mask, FloatPtr x, long n, float p, long seed) {
        // x, out, mask: (n)
        float scale = 1f / (1f - p);
        long mixedSeed = CounterRng.mix(seed);
        MemorySegment xs = x.seg(), os = out.seg(), ms = mask.seg();
        long xo = x.off(), oo = out.off(), mo = mask.off();
        int lanes = LS.length();
        Parallel.forRange(n, 8, (s, e) -> {
            long i = s;
            for (long b = s + LS.loopBound(e - s); i < b; i += lanes) {
                // counters i+1 .. i+lanes, times the golden-ratio increment, plus the mixed seed
                LongVector z = LongVector.broadcast(LS, i + 1).addIndex(1).mul(GOLDEN).add(mixedSeed);
                z = z.lanewise(VectorOperators.LSHR, 30).lanewise(VectorOperators.XOR, z).mul(M1);
                z = z.lanewise(VectorOperators.LSHR, 27).lanewise(VectorOperators.XOR, z).mul(M2);
                z = z.lanewise(VectorOperators.LSHR, 31).lanewise(VectorOperators.XOR, z);
                FloatVector u = ((FloatVector) z.lanewise(VectorOperators.LSHR, 40)
                        .convertShape(VectorOperators.L2F, HS, 0)).mul(0x1.0p-24f);
                FloatVector m = FloatVector.zero(HS).blend(scale, u.compare(VectorOperators.GE, p));
                m.intoMemorySegment(ms, (mo + i) << 2, ORDER);
                FloatVector.fromMemorySegment(HS, xs, (xo + i) << 2, ORDER).mul(m).intoMemorySegment(os, (oo + i) << 2, ORDER);
            }
            for (; i < e; i++) {
                float m = CounterRng.uniform(seed, i) >= p ? scale : 0f;
                set(ms, mo + i, m);
                set(os, oo + i, get(xs, xo + i) * m);
            }
        });
    }

    /** Long lanes for the counter RNG, and float lanes of the same count for its uniforms. */
    static final VectorSpecies<Long> LS = LongVector.SPECIES_PREFERRED;
    static final VectorSpecies<Float> HS = VectorSpecies.of(float.class, VectorShape.forBitSize(LS.vectorBitSize() / 2));
    static final long GOLDEN = 0x9E3779B97F4A7C15L, M1 = 0xbf58476d1ce4e5b9L, M2 = 0x94d049bb133111ebL;

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

    static final FloatVector ONE = FloatVector.broadcast(S, 1f), ZERO = FloatVector.zero(S);
    static final FloatVector HALF = FloatVector.broadcast(S, 0.5f);

    /**
     * out[oo + j] = op(x[xo + j]) for j < n, the vector form of {@link ScalarMath#unary}; {@link #unaryScalar} does the tail.
     * One loop per op: a per-vector switch would be too big to inline, and the vectors would then be boxed.
     */
    public static void unaryRow(UnaryOp op, MemorySegment x, long xo, float p, MemorySegment out, long oo, int n) {
        int b = S.loopBound(n), j = 0;
        switch (op) {
            case NEG -> { for (; j < b; j += L) store(load(x, xo + j).neg(), out, oo + j); }
            case EXP -> j = expLoop(x, xo, out, oo, b);
            case LOG -> j = logLoop(x, xo, out, oo, b);
            case TANH -> j = tanhLoop(x, xo, out, oo, b);
            case SIGMOID -> j = sigmoidLoop(x, xo, out, oo, b);
            case RELU -> { for (; j < b; j += L) store(relu(load(x, xo + j)), out, oo + j); }
            case GELU -> j = geluLoop(x, xo, out, oo, b);
            case SILU -> j = siluLoop(x, xo, out, oo, b);
            case SQRT -> { for (; j < b; j += L) store(load(x, xo + j).sqrt(), out, oo + j); }
            case RSQRT -> { for (; j < b; j += L) store(ONE.div(load(x, xo + j).sqrt()), out, oo + j); }
            case ABS -> { for (; j < b; j += L) store(load(x, xo + j).abs(), out, oo + j); }
            case SQUARE -> { for (; j < b; j += L) store(square(load(x, xo + j)), out, oo + j); }
            case RECIPROCAL -> { for (; j < b; j += L) store(ONE.div(load(x, xo + j)), out, oo + j); }
            case SOFTPLUS -> j = softplusLoop(x, xo, out, oo, b);
            case POW -> { }   // Math.pow per element below: the vector pow's bits change when C2 compiles it
            case SCALE -> { for (; j < b; j += L) store(load(x, xo + j).mul(p), out, oo + j); }
            case ADD_SCALAR -> { for (; j < b; j += L) store(load(x, xo + j).add(p), out, oo + j); }
            case CLAMP_MIN -> { for (; j < b; j += L) store(load(x, xo + j).max(p), out, oo + j); }
            case CLAMP_MAX -> { for (; j < b; j += L) store(load(x, xo + j).min(p), out, oo + j); }
            case GT_SCALAR -> { for (; j < b; j += L) store(ZERO.blend(1f, load(x, xo + j).compare(VectorOperators.GT, p)), out, oo + j); }
        }
        for (; j < n; j++) set(out, oo + j, unaryScalar(op, get(x, xo + j), p));
    }

    // The ops built on exp, log or tanh run their vector loop in a small method of their own: inlined into the big
    // switch, the polynomials push C2 past its node budget, and then nothing gets inlined and every vector is boxed.
    // Each returns the index where the scalar tail starts (b, a multiple of L).

    static int expLoop(MemorySegment x, long xo, MemorySegment out, long oo, int b) {
        for (int j = 0; j < b; j += L) store(VectorMath.exp(load(x, xo + j)), out, oo + j);
        return b;
    }

    static int logLoop(MemorySegment x, long xo, MemorySegment out, long oo, int b) {
        for (int j = 0; j < b; j += L) store(VectorMath.log(load(x, xo + j)), out, oo + j);
        return b;
    }

    static int tanhLoop(MemorySegment x, long xo, MemorySegment out, long oo, int b) {
        for (int j = 0; j < b; j += L) store(VectorMath.tanh(load(x, xo + j)), out, oo + j);
        return b;
    }

    static int sigmoidLoop(MemorySegment x, long xo, MemorySegment out, long oo, int b) {
        for (int j = 0; j < b; j += L) store(sigmoid(load(x, xo + j)), out, oo + j);
        return b;
    }

    static int geluLoop(MemorySegment x, long xo, MemorySegment out, long oo, int b) {
        for (int j = 0; j < b; j += L) store(gelu(load(x, xo + j)), out, oo + j);
        return b;
    }

    static int siluLoop(MemorySegment x, long xo, MemorySegment out, long oo, int b) {
        for (int j = 0; j < b; j += L) store(silu(load(x, xo + j)), out, oo + j);
        return b;
    }

    static int softplusLoop(MemorySegment x, long xo, MemorySegment out, long oo, int b) {
        for (int j = 0; j < b; j += L) store(softplus(load(x, xo + j)), out, oo + j);
        return b;
    }

    /**
     * Two passes, s = σ(2u) into dx and then dx = dy · gelu'(x) from x and s: the derivative in one loop body is
     * too many nodes for C2's inliner, which then boxes the vectors (2× slower). Storing s and loading it back is
     * exact, so the bits are those of {@link #geluDerivative(FloatVector)}.
     */
    static int geluBackwardLoop(MemorySegment x, long xo, MemorySegment dy, long go, MemorySegment dx, long dxo, int b) {
        geluSigmaLoop(x, xo, dx, dxo, b);
        geluChainLoop(x, xo, dy, go, dx, dxo, b);
        return b;
    }

    /** dx = σ(2u), the first pass of {@link #geluBackwardLoop}; a method of its own so C2 compiles it alone. */
    static void geluSigmaLoop(MemorySegment x, long xo, MemorySegment dx, long dxo, int b) {
        for (int j = 0; j < b; j += L) store(geluSigma(load(x, xo + j)), dx, dxo + j);
    }

    /** dx = dy · gelu'(x) with s = σ(2u) read from dx, the second pass. */
    static void geluChainLoop(MemorySegment x, long xo, MemorySegment dy, long go, MemorySegment dx, long dxo, int b) {
        for (int j = 0; j < b; j += L)
            store(load(dy, go + j).mul(geluDerivative(load(x, xo + j), load(dx, dxo + j))), dx, dxo + j);
    }

    /**
     * Two passes like {@link #geluBackwardLoop}, s = σ(x) into dx and then dx = dy · s·(1 + x·(1 − s)): in one loop
     * body the derivative pushed C2 past its node budget (exp's helpers were left out of line and ran lane by lane).
     * Storing s and loading it back is exact, so the bits are those of {@link #siluDerivative(FloatVector)}.
     */
    static int siluBackwardLoop(MemorySegment x, long xo, MemorySegment dy, long go, MemorySegment dx, long dxo, int b) {
        sigmoidLoop(x, xo, dx, dxo, b);
        siluChainLoop(x, xo, dy, go, dx, dxo, b);
        return b;
    }

    /** dx = dy · silu'(x) with s = σ(x) read from dx, the second pass of {@link #siluBackwardLoop}. */
    static void siluChainLoop(MemorySegment x, long xo, MemorySegment dy, long go, MemorySegment dx, long dxo, int b) {
        for (int j = 0; j < b; j += L) {
            FloatVector s = load(dx, dxo + j);
            store(load(dy, go + j).mul(s.mul(load(x, xo + j).mul(ONE.sub(s)).add(1f))), dx, dxo + j);
        }
    }

    static int softplusBackwardLoop(MemorySegment x, long xo, MemorySegment dy, long go, MemorySegment dx, long dxo, int b) {
        for (int j = 0; j < b; j += L) store(load(dy, go + j).mul(sigmoid(load(x, xo + j))), dx, dxo + j);
        return b;
    }

    /** max(x, 0) with NaN → 0, like the scalar {@code x > 0 ? x : 0}. */
    static FloatVector relu(FloatVector x) { return ZERO.blend(x, x.compare(VectorOperators.GT, 0f)); }

    static FloatVector square(FloatVector x) { return x.mul(x); }

    /** log(1 + eˣ) = max(x, 0) + log1p(e^−|x|), which never overflows. */
    static FloatVector softplus(FloatVector x) {
        return x.max(0f).add(VectorMath.log1p(VectorMath.exp(x.abs().neg())));
    }

    /**
     * σ(x) = 1/(1 + e^−x). In float this needs no branch: for x below about −88, e^−x overflows to ∞ and the result
     * is 0, the correctly rounded limit; for large x, e^−x is 0 and the result 1.
     */
    static FloatVector sigmoid(FloatVector x) { return ONE.div(VectorMath.exp(x.neg()).add(1f)); }

    /** SiLU: x·σ(x) = x/(1 + e^−x). */
    static FloatVector silu(FloatVector x) { return x.div(VectorMath.exp(x.neg()).add(1f)); }

    /** d/dx x·σ(x) = σ(x)·(1 + x·(1 − σ(x))). */
    static FloatVector siluDerivative(FloatVector x) {
        FloatVector s = sigmoid(x);
        return s.mul(x.mul(ONE.sub(s)).add(1f));
    }

    /**
     * GPT-2's tanh GELU, 0.5·x·(1 + tanh u) with u = √(2/π)·(x + 0.044715·x³), computed as x·σ(2u) (the same
     * function, since 0.5·(1 + tanh u) = σ(2u)): one exp and one division instead of a tanh, and no cancellation
     * in 1 + tanh u for negative x.
     */
    static FloatVector gelu(FloatVector x) {
        FloatVector minus2u = x.mul(GELU_A).mul(x).mul(x).add(x).mul(-2f * GELU_C);
        return x.div(VectorMath.exp(minus2u).add(1f));
    }

    /**
     * d gelu/dx = 0.5·(1 + tanh u) + 0.5·x·(1 − tanh² u)·du/dx with du/dx = √(2/π)·(1 + 3·0.044715·x²);
     * with s = σ(2u): 0.5·(1 + tanh u) = s and 1 − tanh² u = 4s(1 − s), so it is s·(1 + 2x·(1 − s)·du/dx).
     */
    static FloatVector geluDerivative(FloatVector x) { return geluDerivative(x, geluSigma(x)); }

    /** σ(2u) = 0.5·(1 + tanh u), u = √(2/π)·(x + 0.044715·x³). */
    static FloatVector geluSigma(FloatVector x) {
        FloatVector minus2u = x.mul(GELU_A).mul(x).mul(x).add(x).mul(-2f * GELU_C);
        return ONE.div(VectorMath.exp(minus2u).add(1f));
    }

    /** gelu'(x) given s = σ(2u). */
    static FloatVector geluDerivative(FloatVector x, FloatVector s) {
        FloatVector du = x.mul(3f * GELU_A).mul(x).add(1f).mul(GELU_C);
        return s.mul(x.mul(2f).mul(ONE.sub(s)).mul(du).add(1f));
    }

    /** sign(x) as 1, −1 or 0 (the derivative of |x|, 0 at 0). */
    static FloatVector sign(FloatVector x) {
        return ZERO.blend(1f, x.compare(VectorOperators.GT, 0f)).blend(-1f, x.compare(VectorOperators.LT, 0f));
    }

    /**
     * One lane of {@link #unaryRow}, for the tails and for strided tensors: the same float operations as the vector
     * code, so an element gives the same bits wherever it sits. Ops without a transcendental are
     * {@link ScalarMath#unary}, which already matches the lanes.
     */
    public static float unaryScalar(UnaryOp op, float x, float p) {
        return switch (op) {
            case EXP -> VectorMath.exp(x);
            case LOG -> VectorMath.log(x);
            case TANH -> VectorMath.tanh(x);
            case SIGMOID -> sigmoid(x);
            case GELU -> gelu(x);
            case SILU -> x / (VectorMath.exp(-x) + 1f);
            case RSQRT -> 1f / (float) Math.sqrt(x);
            case SOFTPLUS -> softplus(x);
            default -> ScalarMath.unary(op, x, p);
        };
    }

    /** One lane of {@link #unaryBackwardRow}'s op'(x), for the tails and strided tensors; see {@link #unaryScalar}. */
    public static float derivativeScalar(UnaryOp op, float x, float y, float p) {
        return switch (op) {
            case LOG -> 1f / x;
            case TANH -> 1f - y * y;
            case SIGMOID -> y * (1f - y);
            case GELU -> geluDerivative(x);
            case SILU -> siluDerivative(x);
            case SQRT -> 0.5f / y;
            case RSQRT -> y * -0.5f * y * y;
            case RECIPROCAL -> -(y * y);
            case SOFTPLUS -> sigmoid(x);
            case POW -> (float) Math.pow(x, p - 1) * p;
            default -> ScalarMath.derivative(op, x, y, p);
        };
    }

    static float sigmoid(float x) { return 1f / (VectorMath.exp(-x) + 1f); }

    static float softplus(float x) { return Math.max(x, 0f) + VectorMath.log1p(VectorMath.exp(-Math.abs(x))); }

    static float siluDerivative(float x) {
        float s = sigmoid(x);
        return s * (x * (1f - s) + 1f);
    }

    static float gelu(float x) {
        float minus2u = (x * GELU_A * x * x + x) * (-2f * GELU_C);
        return x / (VectorMath.exp(minus2u) + 1f);
    }

    static float geluDerivative(float x) {
        float minus2u = (x * GELU_A * x * x + x) * (-2f * GELU_C);
        float s = 1f / (VectorMath.exp(minus2u) + 1f);
        float du = (x * (3f * GELU_A) * x + 1f) * GELU_C;
        return s * (x * 2f * (1f - s) * du + 1f);
    }

    /**
     * dx[j] = dy[j] · op'(x[j]) given y = op(x): the vector form of {@link ScalarMath#derivative}, one loop per op
     * like {@link #unaryRow}; {@link #derivativeScalar} does the tail.
     */
    public static void unaryBackwardRow(UnaryOp op, MemorySegment x, long xo, MemorySegment y, long yo, float p,
                                        MemorySegment dy, long go, MemorySegment dx, long dxo, int n) {
        int b = S.loopBound(n), j = 0;
        switch (op) {
            case NEG -> { for (; j < b; j += L) store(load(dy, go + j).neg(), dx, dxo + j); }
            case EXP -> { for (; j < b; j += L) store(load(dy, go + j).mul(load(y, yo + j)), dx, dxo + j); }
            case LOG -> { for (; j < b; j += L) store(load(dy, go + j).mul(ONE.div(load(x, xo + j))), dx, dxo + j); }
            case TANH -> { for (; j < b; j += L) store(load(dy, go + j).mul(ONE.sub(square(load(y, yo + j)))), dx, dxo + j); }
            case SIGMOID -> { for (; j < b; j += L) store(load(dy, go + j).mul(load(y, yo + j).mul(ONE.sub(load(y, yo + j)))), dx, dxo + j); }
            case RELU -> { for (; j < b; j += L) store(load(dy, go + j).mul(ZERO.blend(1f, load(x, xo + j).compare(VectorOperators.GT, 0f))), dx, dxo + j); }
            case GELU -> j = geluBackwardLoop(x, xo, dy, go, dx, dxo, b);
            case SILU -> j = siluBackwardLoop(x, xo, dy, go, dx, dxo, b);
            case SQRT -> { for (; j < b; j += L) store(load(dy, go + j).mul(HALF.div(load(y, yo + j))), dx, dxo + j); }
            case RSQRT -> { for (; j < b; j += L) store(load(dy, go + j).mul(load(y, yo + j).mul(-0.5f).mul(load(y, yo + j)).mul(load(y, yo + j))), dx, dxo + j); }
            case ABS -> { for (; j < b; j += L) store(load(dy, go + j).mul(sign(load(x, xo + j))), dx, dxo + j); }
            case SQUARE -> { for (; j < b; j += L) store(load(dy, go + j).mul(load(x, xo + j).mul(2f)), dx, dxo + j); }
            case RECIPROCAL -> { for (; j < b; j += L) store(load(dy, go + j).mul(square(load(y, yo + j)).neg()), dx, dxo + j); }
            case SOFTPLUS -> j = softplusBackwardLoop(x, xo, dy, go, dx, dxo, b);
            case POW -> { }   // Math.pow per element below, as in unaryRow
            case SCALE -> { for (; j < b; j += L) store(load(dy, go + j).mul(p), dx, dxo + j); }
            case ADD_SCALAR -> { for (; j < b; j += L) store(load(dy, go + j), dx, dxo + j); }
            case CLAMP_MIN -> { for (; j < b; j += L) store(load(dy, go + j).mul(ZERO.blend(1f, load(x, xo + j).compare(VectorOperators.GE, p))), dx, dxo + j); }
            case CLAMP_MAX -> { for (; j < b; j += L) store(load(dy, go + j).mul(ZERO.blend(1f, load(x, xo + j).compare(VectorOperators.LE, p))), dx, dxo + j); }
            case GT_SCALAR -> { for (; j < b; j += L) store(load(dy, go + j).mul(0f), dx, dxo + j); }
        }
        for (; j < n; j++)
            set(dx, dxo + j, get(dy, go + j) * derivativeScalar(op, get(x, xo + j), get(y, yo + j), p));
    }

    /**
     * out[oo + j] = op(a[ai + j·sa], b[bi + j·sb]) for j < n, where a stride of 0 broadcasts one value (a bias row,
     * a scalar) and 1 walks a dense row. out may alias a.
     */
    public static void binaryRow(BinaryOp op, MemorySegment a, long ai, long sa, MemorySegment b, long bi, long sb,
                                 MemorySegment out, long oi, int n) {
        if (sa == 0 && sb == 0) {   // one value: computed once by the scalar twin, the same bits as every lane
            if (n > 0) fillRow(out, oi, ScalarMath.binary(op, get(a, ai), get(b, bi)), n);
            return;
        }
        // one small loop method per op, switched once per row: a vector-taking switch helper is too big for C2 to
        // inline, and every vector then goes through the lane-by-lane fallback
        int bound = S.loopBound(n), j = switch (op) {
            case ADD -> addLoop(a, ai, sa, b, bi, sb, out, oi, bound);
            case SUB -> subLoop(a, ai, sa, b, bi, sb, out, oi, bound);
            case MUL -> mulLoop(a, ai, sa, b, bi, sb, out, oi, bound);
            case DIV -> divLoop(a, ai, sa, b, bi, sb, out, oi, bound);
            case MAX -> maxLoop(a, ai, sa, b, bi, sb, out, oi, bound);
            case MIN -> minLoop(a, ai, sa, b, bi, sb, out, oi, bound);
            case POW -> 0;   // Math.pow per element below, as in unaryRow
            case EQ -> eqLoop(a, ai, sa, b, bi, sb, out, oi, bound);
            case GT -> gtLoop(a, ai, sa, b, bi, sb, out, oi, bound);
            case LT -> ltLoop(a, ai, sa, b, bi, sb, out, oi, bound);
        };
        for (; j < n; j++) set(out, oi + j, ScalarMath.binary(op, get(a, ai + j * sa), get(b, bi + j * sb)));
    }

    // The per-op loops of binaryRow: a stride of 0 broadcasts that operand, else both are dense (not both 0).
    // Each returns the index where the scalar tail starts.

    static int addLoop(MemorySegment a, long ai, long sa, MemorySegment b, long bi, long sb, MemorySegment out, long oi, int bound) {
        int j = 0;
        if (sb == 0) { FloatVector vb = FloatVector.broadcast(S, get(b, bi)); for (; j < bound; j += L) store(load(a, ai + j).add(vb), out, oi + j); }
        else if (sa == 0) { FloatVector va = FloatVector.broadcast(S, get(a, ai)); for (; j < bound; j += L) store(va.add(load(b, bi + j)), out, oi + j); }
        else for (; j < bound; j += L) store(load(a, ai + j).add(load(b, bi + j)), out, oi + j);
        return j;
    }

    static int subLoop(MemorySegment a, long ai, long sa, MemorySegment b, long bi, long sb, MemorySegment out, long oi, int bound) {
        int j = 0;
        if (sb == 0) { FloatVector vb = FloatVector.broadcast(S, get(b, bi)); for (; j < bound; j += L) store(load(a, ai + j).sub(vb), out, oi + j); }
        else if (sa == 0) { FloatVector va = FloatVector.broadcast(S, get(a, ai)); for (; j < bound; j += L) store(va.sub(load(b, bi + j)), out, oi + j); }
        else for (; j < bound; j += L) store(load(a, ai + j).sub(load(b, bi + j)), out, oi + j);
        return j;
    }

    static int mulLoop(MemorySegment a, long ai, long sa, MemorySegment b, long bi, long sb, MemorySegment out, long oi, int bound) {
        int j = 0;
        if (sb == 0) { FloatVector vb = FloatVector.broadcast(S, get(b, bi)); for (; j < bound; j += L) store(load(a, ai + j).mul(vb), out, oi + j); }
        else if (sa == 0) { FloatVector va = FloatVector.broadcast(S, get(a, ai)); for (; j < bound; j += L) store(va.mul(load(b, bi + j)), out, oi + j); }
        else for (; j < bound; j += L) store(load(a, ai + j).mul(load(b, bi + j)), out, oi + j);
        return j;
    }

    static int divLoop(MemorySegment a, long ai, long sa, MemorySegment b, long bi, long sb, MemorySegment out, long oi, int bound) {
        int j = 0;
        if (sb == 0) { FloatVector vb = FloatVector.broadcast(S, get(b, bi)); for (; j < bound; j += L) store(load(a, ai + j).div(vb), out, oi + j); }
        else if (sa == 0) { FloatVector va = FloatVector.broadcast(S, get(a, ai)); for (; j < bound; j += L) store(va.div(load(b, bi + j)), out, oi + j); }
        else for (; j < bound; j += L) store(load(a, ai + j).div(load(b, bi + j)), out, oi + j);
        return j;
    }

    static int maxLoop(MemorySegment a, long ai, long sa, MemorySegment b, long bi, long sb, MemorySegment out, long oi, int bound) {
        int j = 0;
        if (sb == 0) { FloatVector vb = FloatVector.broadcast(S, get(b, bi)); for (; j < bound; j += L) store(load(a, ai + j).max(vb), out, oi + j); }
        else if (sa == 0) { FloatVector va = FloatVector.broadcast(S, get(a, ai)); for (; j < bound; j += L) store(va.max(load(b, bi + j)), out, oi + j); }
        else for (; j < bound; j += L) store(load(a, ai + j).max(load(b, bi + j)), out, oi + j);
        return j;
    }

    static int minLoop(MemorySegment a, long ai, long sa, MemorySegment b, long bi, long sb, MemorySegment out, long oi, int bound) {
        int j = 0;
        if (sb == 0) { FloatVector vb = FloatVector.broadcast(S, get(b, bi)); for (; j < bound; j += L) store(load(a, ai + j).min(vb), out, oi + j); }
        else if (sa == 0) { FloatVector va = FloatVector.broadcast(S, get(a, ai)); for (; j < bound; j += L) store(va.min(load(b, bi + j)), out, oi + j); }
        else for (; j < bound; j += L) store(load(a, ai + j).min(load(b, bi + j)), out, oi + j);
        return j;
    }

    // the comparisons give 1 or 0; a method each, so the operator is a constant wherever C2 compiles the loop
    static int eqLoop(MemorySegment a, long ai, long sa, MemorySegment b, long bi, long sb, MemorySegment out, long oi, int bound) {
        int j = 0;
        if (sb == 0) { FloatVector vb = FloatVector.broadcast(S, get(b, bi)); for (; j < bound; j += L) store(ZERO.blend(1f, load(a, ai + j).compare(VectorOperators.EQ, vb)), out, oi + j); }
        else if (sa == 0) { FloatVector va = FloatVector.broadcast(S, get(a, ai)); for (; j < bound; j += L) store(ZERO.blend(1f, va.compare(VectorOperators.EQ, load(b, bi + j))), out, oi + j); }
        else for (; j < bound; j += L) store(ZERO.blend(1f, load(a, ai + j).compare(VectorOperators.EQ, load(b, bi + j))), out, oi + j);
        return j;
    }

    static int gtLoop(MemorySegment a, long ai, long sa, MemorySegment b, long bi, long sb, MemorySegment out, long oi, int bound) {
        int j = 0;
        if (sb == 0) { FloatVector vb = FloatVector.broadcast(S, get(b, bi)); for (; j < bound; j += L) store(ZERO.blend(1f, load(a, ai + j).compare(VectorOperators.GT, vb)), out, oi + j); }
        else if (sa == 0) { FloatVector va = FloatVector.broadcast(S, get(a, ai)); for (; j < bound; j += L) store(ZERO.blend(1f, va.compare(VectorOperators.GT, load(b, bi + j))), out, oi + j); }
        else for (; j < bound; j += L) store(ZERO.blend(1f, load(a, ai + j).compare(VectorOperators.GT, load(b, bi + j))), out, oi + j);
        return j;
    }

    static int ltLoop(MemorySegment a, long ai, long sa, MemorySegment b, long bi, long sb, MemorySegment out, long oi, int bound) {
        int j = 0;
        if (sb == 0) { FloatVector vb = FloatVector.broadcast(S, get(b, bi)); for (; j < bound; j += L) store(ZERO.blend(1f, load(a, ai + j).compare(VectorOperators.LT, vb)), out, oi + j); }
        else if (sa == 0) { FloatVector va = FloatVector.broadcast(S, get(a, ai)); for (; j < bound; j += L) store(ZERO.blend(1f, va.compare(VectorOperators.LT, load(b, bi + j))), out, oi + j); }
        else for (; j < bound; j += L) store(ZERO.blend(1f, load(a, ai + j).compare(VectorOperators.LT, load(b, bi + j))), out, oi + j);
        return j;
    }

    static final VectorSpecies<Integer> IS = IntVector.SPECIES_PREFERRED;   // as many int lanes as float lanes

    /**
     * out[j] = cond[j] != 0 ? a[j] : b[j] for j < n, each input dense (stride 1) or broadcast (stride 0); cond is
     * F32 or I32. A NaN condition counts as true, like the scalar {@code c != 0f}.
     */
    public static void whereRow(boolean condF32, MemorySegment c, long ci, long sc, MemorySegment a, long ai, long sa,
                                MemorySegment b, long bi, long sb, MemorySegment out, long oi, int n) {
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            VectorMask<Float> m = condF32
                    ? (sc == 0 ? FloatVector.broadcast(S, get(c, ci)) : load(c, ci + j)).compare(VectorOperators.NE, 0f)
                    : (sc == 0 ? IntVector.broadcast(IS, c.getAtIndex(ValueLayout.JAVA_INT, ci))
                               : IntVector.fromMemorySegment(IS, c, (ci + j) << 2, ORDER))
                            .compare(VectorOperators.NE, 0).cast(S);
            FloatVector va = sa == 0 ? FloatVector.broadcast(S, get(a, ai)) : load(a, ai + j);
            FloatVector vb = sb == 0 ? FloatVector.broadcast(S, get(b, bi)) : load(b, bi + j);
            store(vb.blend(va, m), out, oi + j);
        }
        for (; j < n; j++) {
            boolean t = condF32 ? get(c, ci + j * sc) != 0f : c.getAtIndex(ValueLayout.JAVA_INT, ci + j * sc) != 0;
            set(out, oi + j, t ? get(a, ai + j * sa) : get(b, bi + j * sb));
        }
    }

    /** out[oo .. oo+n) = value. */
    public static void fillRow(MemorySegment out, long oo, float value, int n) {
        FloatVector v = FloatVector.broadcast(S, value);
        int j = 0;
        for (int b = S.loopBound(n); j < b; j += L) store(v, out, oo + j);
        for (; j < n; j++) set(out, oo + j, value);
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

    /**
     * out[j] = op over i < R of x[i, j] for a contiguous x (R, cols): leading dims reduced, as for a bias gradient.
     * Threads own blocks of one vector of columns and walk every row, so no copy or transpose is needed and each
     * column's order of additions is fixed. Sums add float partials of 64 rows into doubles.
     */
    public static void reduceColumns(rlhf4j.tensor.ReduceOp op, MemorySegment x, long xo, long R, int cols,
                                     MemorySegment out, long oo) {
        // x: (R, cols)   out: (cols)
        long blocks = (cols + L - 1) / L;
        Parallel.forRange(blocks, R * L, (b0, b1) -> {
            float[] lanes = new float[L];
            double[] total = new double[L];
            for (long blk = b0; blk < b1; blk++) {
                int c0 = (int) (blk * L), width = Math.min(L, cols - c0);
                if (width < L) {   // the last, partial block: scalar
                    for (int c = c0; c < cols; c++) set(out, oo + c, reduceColumnScalar(op, x, xo + c, R, cols));
                    continue;
                }
                switch (op) {
                    case SUM, MEAN -> {
                        java.util.Arrays.fill(total, 0);
                        for (long i0 = 0; i0 < R; i0 += 64) {
                            FloatVector acc = FloatVector.zero(S);
                            for (long i = i0, end = Math.min(R, i0 + 64); i < end; i++) acc = acc.add(load(x, xo + i * cols + c0));
                            acc.intoArray(lanes, 0);
                            for (int k = 0; k < L; k++) total[k] += lanes[k];
                        }
                        for (int k = 0; k < L; k++) set(out, oo + c0 + k, (float) (op == rlhf4j.tensor.ReduceOp.MEAN ? total[k] / R : total[k]));
                    }
                    case MAX -> {
                        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
                        for (long i = 0; i < R; i++) acc = acc.max(load(x, xo + i * cols + c0));
                        store(acc, out, oo + c0);
                    }
                    case MIN -> {
                        FloatVector acc = FloatVector.broadcast(S, Float.POSITIVE_INFINITY);
                        for (long i = 0; i < R; i++) acc = acc.min(load(x, xo + i * cols + c0));
                        store(acc, out, oo + c0);
                    }
                    case ARGMAX -> throw new IllegalArgumentException("argmax is not a vector reduction");
                }
            }
        });
    }

    /** One column of {@link #reduceColumns}, scalar. */
    static float reduceColumnScalar(rlhf4j.tensor.ReduceOp op, MemorySegment x, long o, long R, int stride) {
        double acc = switch (op) {
            case MAX -> Double.NEGATIVE_INFINITY;
            case MIN -> Double.POSITIVE_INFINITY;
            default -> 0;
        };
        for (long i = 0; i < R; i++) {
            float v = get(x, o + i * stride);
            acc = switch (op) {
                case MAX -> Math.max(acc, v);
                case MIN -> Math.min(acc, v);
                default -> acc + v;
            };
        }
        return (float) (op == rlhf4j.tensor.ReduceOp.MEAN ? acc / R : acc);
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

    /**
     * Σ x² over a long row, split into the chunks {@link #reduceLongRow} uses and added in chunk order: the bits of
     * squaring into a tensor and summing that.
     */
    public static float sumOfSquaresLongRow(MemorySegment x, long xo, long n) {
        double[] partial = new double[Parallel.chunks(n, 1)];
        Parallel.forChunks(n, 1, (c, s, e) -> partial[c] = rowSumSquares(x, xo + s, (int) (e - s)));
        double acc = 0;
        for (double p : partial) acc += p;
        return (float) acc;
    }
}
