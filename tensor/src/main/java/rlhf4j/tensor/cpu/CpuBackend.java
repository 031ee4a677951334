package rlhf4j.tensor.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import rlhf4j.tensor.Backend;
import rlhf4j.tensor.BinaryOp;
import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.DType;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.ReduceOp;
import rlhf4j.tensor.Shapes;
import rlhf4j.tensor.Storage;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.UnaryOp;
import rlhf4j.tensor.blas.Blas;
import rlhf4j.tensor.blas.BlasRegistry;

/**
 * The CPU backend: host memory from {@link CpuAllocator}, GEMM through {@link Blas}, kernels in Java.
 *
 * <p>Elementwise ops walk their operands row by row with {@link Strided}; dense (and broadcast) rows go to the
 * vectorised {@link FastKernels}, other rows take the scalar loop ({@link FastKernels#unaryScalar}, the lanes' twin). The fused NN kernels run in
 * {@link FastKernels}, each with a scalar twin in {@link ReferenceKernels}. Work is split over the cores by
 * {@link Parallel}, with split points that depend only on sizes, so results are bit-identical run after run.
 */
public final class CpuBackend implements Backend {
    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;

    @Override public String deviceType() { return "cpu"; }

    @Override public boolean isAvailable() { return true; }

    @Override public String describe() {
        return "cpu (" + Runtime.getRuntime().availableProcessors() + " cores, BLAS " + BlasRegistry.current().name() + ")";
    }

    // ---- memory ----------------------------------------------------------------------------------------------

    @Override public Storage allocate(Device device, long byteSize) {
        if (!device.isCpu()) throw new IllegalArgumentException("CPU backend cannot allocate on " + device);
        return new CpuStorage(this, byteSize);
    }

    @Override public void copyFromHost(MemorySegment src, Storage dst, long dstByteOffset, long bytes) {
        MemorySegment.copy(src, 0, seg(dst), dstByteOffset, bytes);
    }

    @Override public void copyToHost(Storage src, long srcByteOffset, MemorySegment dst, long bytes) {
        MemorySegment.copy(seg(src), srcByteOffset, dst, 0, bytes);
    }

    static MemorySegment seg(Storage s) { return ((CpuStorage) s).segment(); }

    static MemorySegment seg(Tensor t) { return seg(t.storage()); }

    // ---- layout and initialisation -------------------------------------------------------------------------

    @Override public void copy(Tensor src, Tensor dst) {
        checkSameShape("copy", src, dst);
        MemorySegment s = seg(src), d = seg(dst);
        boolean fromF = src.dtype() == DType.F32, toF = dst.dtype() == DType.F32;
        if (fromF == toF && dst.numel() <= Parallel.GRAIN && src.isContiguous() && dst.isContiguous()) {   // one bulk copy
            MemorySegment.copy(s, src.offset() * 4, d, dst.offset() * 4, dst.numel() * 4);
            return;
        }
        Strided.Layout l = Strided.layout(src, dst);
        eachRow(l, new long[]{src.offset(), dst.offset()}, (off, n, st) -> {
            long si = off[0], di = off[1];
            if (fromF == toF && st[0] == 1 && st[1] == 1) {
                MemorySegment.copy(s, si * 4, d, di * 4, n * 4L);   // same dtype, dense row: bulk copy
                return;
            }
            for (int j = 0; j < n; j++, si += st[0], di += st[1]) {
                if (fromF && toF) d.setAtIndex(F, di, s.getAtIndex(F, si));
                else if (!fromF && !toF) d.setAtIndex(I, di, s.getAtIndex(I, si));
                else if (fromF) d.setAtIndex(I, di, (int) s.getAtIndex(F, si));
                else d.setAtIndex(F, di, (float) s.getAtIndex(I, si));
            }
        });
    }

    @Override public void fill(Tensor dst, double value) {
        MemorySegment d = seg(dst);
        boolean f = dst.dtype() == DType.F32;
        float fv = (float) value;
        int iv = (int) value;
        long numel = dst.numel();
        if (f && numel <= Parallel.GRAIN && dst.isContiguous()) {   // small and dense: one row, this thread
            FastKernels.fillRow(d, dst.offset(), fv, (int) numel);
            return;
        }
        Strided.Layout l = Strided.layout(dst);
        eachRow(l, new long[]{dst.offset()}, (off, n, st) -> {
            long di = off[0];
            if (f && st[0] == 1) {
                FastKernels.fillRow(d, di, fv, n);
                return;
            }
            for (int j = 0; j < n; j++, di += st[0]) {
                if (f) d.setAtIndex(F, di, fv); else d.setAtIndex(I, di, iv);
            }
        });
    }

    @Override public void randomUniform(Tensor out, long seed, float lo, float hi) {
        requireContiguous("randomUniform", out);
        MemorySegment d = seg(out);
        long n = out.numel(), o = out.offset();
        Parallel.forRange(n, 8, (s, e) -> {
            for (long i = s; i < e; i++) d.setAtIndex(F, o + i, lo + (hi - lo) * CounterRng.uniform(seed, i));
        });
    }

    @Override public void randomNormal(Tensor out, long seed, float mean, float std) {
        requireContiguous("randomNormal", out);
        MemorySegment d = seg(out);
        long n = out.numel(), o = out.offset();
        Parallel.forRange(n, 32, (s, e) -> {
            for (long i = s; i < e; i++) d.setAtIndex(F, o + i, mean + std * CounterRng.normal(seed, i));
        });
    }

    /**
     * Visits every row of a layout, split over threads. A contiguous tensor is one long row, which is cut into
     * pieces instead, so elementwise ops on big dense tensors use every core too.
     */
    static void eachRow(Strided.Layout l, long[] base, Strided.RowBody body) {
        int k = base.length;
        if (l.rowLength() == 0) return;   // no elements: nothing to visit
        if (l.shape().length == 1) {
            long[] inner = new long[k];
            for (int i = 0; i < k; i++) inner[i] = l.strides()[i][0];
            Parallel.forRange(l.rowLength(), 1, (s, e) -> {
                long[] off = new long[k];
                for (int i = 0; i < k; i++) off[i] = base[i] + s * inner[i];
                body.row(off, (int) (e - s), inner);
            });
        } else {
            Parallel.forRange(l.rows(), l.rowLength(), (r0, r1) -> Strided.forRows(l, base, r0, r1, body));
        }
    }

    // ---- elementwise -----------------------------------------------------------------------------------------

    @Override public void unary(UnaryOp op, Tensor x, double p, Tensor out) {
        checkSameShape(op.name(), x, out);
        MemorySegment xs = seg(x), os = seg(out);
        float pf = (float) p;
        long numel = out.numel();
        if (numel <= Parallel.GRAIN && x.isContiguous() && out.isContiguous()) {   // small and dense: one row
            FastKernels.unaryRow(op, xs, x.offset(), pf, os, out.offset(), (int) numel);
            return;
        }
        Strided.Layout l = Strided.layout(x, out);
        eachRow(l, new long[]{x.offset(), out.offset()}, (off, n, st) -> {
            long xi = off[0], oi = off[1];
            if (st[0] == 1 && st[1] == 1) {   // dense row: vectorised
                FastKernels.unaryRow(op, xs, xi, pf, os, oi, n);
                return;
            }
            for (int j = 0; j < n; j++, xi += st[0], oi += st[1])
                os.setAtIndex(F, oi, FastKernels.unaryScalar(op, xs.getAtIndex(F, xi), pf));
        });
    }

    @Override public void unaryBackward(UnaryOp op, Tensor x, Tensor y, double p, Tensor dy, Tensor dx) {
        checkSameShape(op.name() + " backward", x, dx);
        MemorySegment xs = seg(x), ys = seg(y), dys = seg(dy), dxs = seg(dx);
        float pf = (float) p;
        long numel = dx.numel();
        if (numel <= Parallel.GRAIN && x.isContiguous() && y.isContiguous() && dy.isContiguous() && dx.isContiguous()) {
            FastKernels.unaryBackwardRow(op, xs, x.offset(), ys, y.offset(), pf, dys, dy.offset(), dxs, dx.offset(), (int) numel);
            return;
        }
        Strided.Layout l = Strided.layout(x, y, dy, dx);
        eachRow(l, new long[]{x.offset(), y.offset(), dy.offset(), dx.offset()}, (off, n, st) -> {
            long xi = off[0], yi = off[1], gi = off[2], oi = off[3];
            if (st[0] == 1 && st[1] == 1 && st[2] == 1 && st[3] == 1) {
                FastKernels.unaryBackwardRow(op, xs, xi, ys, yi, pf, dys, gi, dxs, oi, n);
                return;
            }
            for (int j = 0; j < n; j++, xi += st[0], yi += st[1], gi += st[2], oi += st[3])
                dxs.setAtIndex(F, oi, dys.getAtIndex(F, gi)
                        * FastKernels.derivativeScalar(op, xs.getAtIndex(F, xi), ys.getAtIndex(F, yi), pf));
        });
    }

    @Override public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        checkSameShape(op.name(), a, out);
        checkSameShape(op.name(), b, out);
        MemorySegment as = seg(a), bs = seg(b), os = seg(out);
        if (out.numel() <= Parallel.GRAIN && binarySmall(op, a, as, b, bs, out, os)) return;
        Strided.Layout l = Strided.layout(a, b, out);
        eachRow(l, new long[]{a.offset(), b.offset(), out.offset()}, (off, n, st) -> {
            long ai = off[0], bi = off[1], oi = off[2];
            if (st[2] == 1 && (st[0] == 0 || st[0] == 1) && (st[1] == 0 || st[1] == 1)) {   // dense or broadcast
                FastKernels.binaryRow(op, as, ai, st[0], bs, bi, st[1], os, oi, n);
                return;
            }
            for (int j = 0; j < n; j++, ai += st[0], bi += st[1], oi += st[2])
                os.setAtIndex(F, oi, ScalarMath.binary(op, as.getAtIndex(F, ai), bs.getAtIndex(F, bi)));
        });
    }

    /** How an operand expanded to a dense output is laid out: dense, one last-dim row repeated, one value repeated. */
    private enum Flat { DENSE, ROW, VALUE, OTHER }

    private static Flat flat(Tensor t) {
        if (t.isContiguous()) return Flat.DENSE;
        int rank = t.dim();
        boolean lastDense = t.stride(rank - 1) == 1;
        for (int d = 0; d < rank - 1; d++) if (t.size(d) != 1 && t.stride(d) != 0) return Flat.OTHER;
        return lastDense ? Flat.ROW : t.stride(rank - 1) == 0 || t.size(rank - 1) == 1 ? Flat.VALUE : Flat.OTHER;
    }

    /**
     * A small binary op whose operands are each dense, a repeated last-dim row (a bias) or a repeated value, into a
     * dense out: rows straight to {@link FastKernels#binaryRow} on this thread, with no layout or task. False when
     * the operands are laid out otherwise (the general walk then runs).
     */
    private static boolean binarySmall(BinaryOp op, Tensor a, MemorySegment as, Tensor b, MemorySegment bs,
                                       Tensor out, MemorySegment os) {
        if (!out.isContiguous()) return false;
        Flat fa = flat(a), fb = flat(b);
        if (fa == Flat.OTHER || fb == Flat.OTHER) return false;
        int n = (int) out.numel();
        if (n == 0) return true;
        if (fa != Flat.ROW && fb != Flat.ROW) {   // dense or one value each: one row
            FastKernels.binaryRow(op, as, a.offset(), fa == Flat.DENSE ? 1 : 0, bs, b.offset(), fb == Flat.DENSE ? 1 : 0,
                    os, out.offset(), n);
            return true;
        }
        int c = out.size(-1);   // (rows, c)
        for (int r = 0; r < n / c; r++) {
            long row = (long) r * c;
            FastKernels.binaryRow(op, as, a.offset() + (fa == Flat.DENSE ? row : 0), fa == Flat.VALUE ? 0 : 1,
                    bs, b.offset() + (fb == Flat.DENSE ? row : 0), fb == Flat.VALUE ? 0 : 1, os, out.offset() + row, c);
        }
        return true;
    }

    @Override public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        MemorySegment cs = seg(cond), as = seg(a), bs = seg(b), os = seg(out);
        boolean condF = cond.dtype() == DType.F32;
        Strided.Layout l = Strided.layout(cond, a, b, out);
        eachRow(l, new long[]{cond.offset(), a.offset(), b.offset(), out.offset()}, (off, n, st) -> {
            long ci = off[0], ai = off[1], bi = off[2], oi = off[3];
            if (st[3] == 1 && (st[0] | st[1] | st[2]) >>> 1 == 0) {   // every input dense or broadcast
                FastKernels.whereRow(condF, cs, ci, st[0], as, ai, st[1], bs, bi, st[2], os, oi, n);
                return;
            }
            for (int j = 0; j < n; j++, ci += st[0], ai += st[1], bi += st[2], oi += st[3]) {
                boolean c = condF ? cs.getAtIndex(F, ci) != 0f : cs.getAtIndex(I, ci) != 0;
                os.setAtIndex(F, oi, c ? as.getAtIndex(F, ai) : bs.getAtIndex(F, bi));
            }
        });
    }

    // ---- reductions ------------------------------------------------------------------------------------------

    @Override public void reduce(ReduceOp op, Tensor x, int[] dims, Tensor out) {
        // Move the reduced dims last, so each output element reduces one contiguous row of length r.
        int rank = x.dim();
        int[] order = new int[rank];
        boolean[] reduced = new boolean[rank];
        for (int d : dims) reduced[d] = true;
        int j = 0;
        for (int d = 0; d < rank; d++) if (!reduced[d]) order[j++] = d;
        for (int d : dims) order[j++] = d;
        long r = 1;
        for (int d : dims) r *= x.size(d);
        long rows = out.numel();
        requireContiguous("reduce output", out);
        boolean leading = true;   // are the reduced dims 0..k−1, so each output is a column of x seen as (r, rows)?
        for (int i = 0; i < dims.length; i++) leading &= dims[i] == i;
        if (op != ReduceOp.ARGMAX && leading && rows > 1 && x.isContiguous()) {
            FastKernels.reduceColumns(op, seg(x), x.offset(), r, Math.toIntExact(rows), seg(out), out.offset());
            return;
        }
        if (op != ReduceOp.ARGMAX && rows == 1 && x.isContiguous()) {   // everything into one value: no permuted copy
            seg(out).setAtIndex(F, out.offset(), FastKernels.reduceLongRow(op, seg(x), x.offset(), r));
            return;
        }
        try (MemoryScope tmp = MemoryScope.open()) {
            Tensor xp = x.permute(order).contiguous();
            MemorySegment xs = seg(xp), os = seg(out);
            long xo = xp.offset(), oo = out.offset();
            if (op == ReduceOp.ARGMAX) {
                argmaxRows(xs, xo, rows, Math.toIntExact(r), os, oo);
            } else if (rows == 1) {
                os.setAtIndex(F, oo, FastKernels.reduceLongRow(op, xs, xo, r));   // one long row: split it
            } else {
                FastKernels.reduceRows(op, xs, xo, rows, Math.toIntExact(r), os, oo);
            }
        }
    }

    @Override public void sumOfSquares(Tensor x, Tensor out) {
        checkNumel("sumOfSquares out", out, 1);
        requireOutput("sumOfSquares", out);
        if (!x.isContiguous() || x.dtype() != DType.F32) {   // strided: square, then sum
            Backend.super.sumOfSquares(x, out);
            return;
        }
        seg(out).setAtIndex(F, out.offset(), FastKernels.sumOfSquaresLongRow(seg(x), x.offset(), x.numel()));
    }

    /** Index of the first maximum of each row (a NaN counts as the maximum). */
    private static void argmaxRows(MemorySegment xs, long xo, long rows, int r, MemorySegment os, long oo) {
        Parallel.forRange(rows, r, (r0, r1) -> {
            for (long row = r0; row < r1; row++) {
                long base = xo + row * r;
                int bi = 0;
                float best = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < r; i++) {
                    float v = xs.getAtIndex(F, base + i);
                    if (v > best || (Float.isNaN(v) && !Float.isNaN(best))) { best = v; bi = i; }
                }
                os.setAtIndex(I, oo + row, bi);
            }
        });
    }

    // ---- linear algebra --------------------------------------------------------------------------------------

    /** How one 2-D operand is handed to BLAS: its transpose flag and leading dimension, or null to copy. */
    record GemmOperand(boolean trans, int ld) {
        static GemmOperand of(long rowStride, long colStride, int rows, int cols) {
            if ((colStride == 1 || cols == 1) && (rowStride >= cols || rows == 1))
                return new GemmOperand(false, (int) Math.max(rows == 1 ? cols : rowStride, Math.max(cols, 1)));
            if ((rowStride == 1 || rows == 1) && (colStride >= rows || cols == 1))
                return new GemmOperand(true, (int) Math.max(cols == 1 ? rows : colStride, Math.max(rows, 1)));
            return null;
        }
    }

    @Override public void matmul(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        requireContiguous("matmul output", out);
        int m = out.size(-2), n = out.size(-1), k = a.size(-1);
        if (m == 0 || n == 0) return;
        GemmOperand ga = GemmOperand.of(a.stride(-2), a.stride(-1), m, k);
        GemmOperand gb = GemmOperand.of(b.stride(-2), b.stride(-1), k, n);
        if (ga != null && gb != null) {
            gemmBatches(a, ga, b, gb, out, accumulate);
            return;
        }
        try (MemoryScope tmp = MemoryScope.open()) {   // an operand BLAS cannot stride through is copied, then freed
            if (ga == null) { a = a.contiguous(); ga = new GemmOperand(false, Math.max(k, 1)); }
            if (gb == null) { b = b.contiguous(); gb = new GemmOperand(false, Math.max(n, 1)); }
            gemmBatches(a, ga, b, gb, out, accumulate);
        }
    }

    /** Products below this many multiply-adds run on the calling thread: splitting would cost more than it saves. */
    static final long GEMM_SPLIT_MACS = 1L << 21;

    /**
     * One sgemm per batch index of out (..., M, N); a and b are expanded to out's batch dims. When the BLAS runs
     * each call on one thread, large work is spread over the backend's pool: whole batches per thread when there are
     * enough of them (attention), else each product's rows or columns cut into one block per thread. Every output
     * element is still computed by one call over the whole K. The split points depend only on the sizes and the
     * thread count, so the bits repeat run after run; another split may round differently (the BLAS's edge tiles).
     */
    private static void gemmBatches(Tensor a, GemmOperand ga, Tensor b, GemmOperand gb, Tensor out, boolean accumulate) {
        int m = out.size(-2), n = out.size(-1), k = a.size(-1);
        Blas blas = BlasRegistry.current();
        long batches = out.numel() / ((long) m * n);
        int threads = Parallel.threads();
        Gemm g = new Gemm(blas, a, ga, b, gb, out, accumulate);
        if (k == 0 || blas.multiThreaded() || threads == 1 || batches * m * n * (long) k < GEMM_SPLIT_MACS) {
            for (long bi = 0; bi < batches; bi++) g.block(bi, 0, m, 0, n);
        } else if (batches >= threads) {
            Parallel.forParts(batches, threads, (b0, b1) -> { for (long bi = b0; bi < b1; bi++) g.block(bi, 0, m, 0, n); });
        } else {
            for (long bi = 0; bi < batches; bi++) {
                long batch = bi;
                if (m >= n) Parallel.forParts(m, threads, (i0, i1) -> g.block(batch, (int) i0, (int) i1, 0, n));
                else Parallel.forParts(n, threads, (j0, j1) -> g.block(batch, 0, m, (int) j0, (int) j1));
            }
        }
    }

    /** The operands of one (batched) product, and how to compute one block of one batch's output. */
    private record Gemm(Blas blas, Tensor a, GemmOperand ga, Tensor b, GemmOperand gb, Tensor out, boolean accumulate) {

        /** out[batch][i0:i1, j0:j1] = a[batch][i0:i1, :] @ b[batch][:, j0:j1] (+= when accumulating). */
        void block(long batch, int i0, int i1, int j0, int j1) {
            int m = out.size(-2), n = out.size(-1), k = a.size(-1);
            MemorySegment os = seg(out);
            long cOff = out.offset() + batch * m * n + (long) i0 * n + j0;
            if (k == 0) {   // an empty sum: the product is zero
                if (!accumulate)
                    for (int i = i0; i < i1; i++) for (int j = j0; j < j1; j++) os.setAtIndex(F, cOff + (long) (i - i0) * n + (j - j0), 0f);
                return;
            }
            // row i of op(A) starts at i·lda, or at column i when A is stored transposed; likewise columns of op(B)
            long aOff = batchOffset(a, batch) + (ga.trans() ? i0 : (long) i0 * ga.ld());
            long bOff = batchOffset(b, batch) + (gb.trans() ? (long) j0 * gb.ld() : j0);
            blas.sgemm(ga.trans(), gb.trans(), i1 - i0, j1 - j0, k, 1f, seg(a), aOff, ga.ld(), seg(b), bOff, gb.ld(),
                    accumulate ? 1f : 0f, os, cOff, n);
        }

        /** Element offset of batch index {@code batch} (row-major over out's batch dims) in t. */
        private long batchOffset(Tensor t, long batch) {
            long off = t.offset();
            for (int d = out.dim() - 3; d >= 0; d--) {
                int size = out.size(d);
                off += (batch % size) * t.stride(d);
                batch /= size;
            }
            return off;
        }
    }

    // ---- fused neural-network kernels ------------------------------------------------------------------------
    // Each method checks shapes, makes strided inputs contiguous inside a MemoryScope (so the copies are freed on
    // return), and hands flat row-major buffers to FastKernels (vectorised, parallel) or, for gather/scatterAdd,
    // to ReferenceKernels. Every fast kernel has a scalar twin in ReferenceKernels that the tests compare it with.

    @Override public void softmax(Tensor x, Tensor out, boolean log) {
        String op = log ? "logSoftmax" : "softmax";
        checkSameShape(op, x, out);
        requireOutput(op, out);
        int c = lastDim(x), n = rows(x, c);
        try (MemoryScope tmp = MemoryScope.open()) {
            FastKernels.softmaxForward(FloatPtr.of(out), in(op, x), n, c, log);
        }
    }

    @Override public void softmaxBackward(Tensor y, Tensor dy, Tensor dx, boolean log) {
        String op = log ? "logSoftmax backward" : "softmax backward";
        checkSameShape(op, y, dx);
        checkSameShape(op, dy, dx);
        requireOutput(op, dx);
        int c = lastDim(y), n = rows(y, c);
        try (MemoryScope tmp = MemoryScope.open()) {
            FastKernels.softmaxBackward(FloatPtr.of(dx), in(op, y), in(op, dy), n, c, log);
        }
    }

    @Override public void layerNorm(Tensor x, Tensor weight, Tensor bias, float eps, Tensor out, Tensor mean, Tensor rstd) {
        int c = lastDim(x), n = rows(x, c);
        checkSameShape("layerNorm", x, out);
        checkNumel("layerNorm weight", weight, c);
        checkNumel("layerNorm bias", bias, c);
        checkNumel("layerNorm mean", mean, n);
        checkNumel("layerNorm rstd", rstd, n);
        requireOutput("layerNorm", out);
        requireOutput("layerNorm mean", mean);
        requireOutput("layerNorm rstd", rstd);
        try (MemoryScope tmp = MemoryScope.open()) {
            FastKernels.layerNormForward(FloatPtr.of(out), FloatPtr.of(mean), FloatPtr.of(rstd),
                    in("layerNorm", x), in("layerNorm", weight), in("layerNorm", bias), n, c, eps);
        }
    }

    @Override public void layerNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor mean, Tensor rstd,
                                            Tensor dx, Tensor dweight, Tensor dbias) {
        String op = "layerNorm backward";
        int c = lastDim(x), n = rows(x, c);
        checkSameShape(op, dy, x);
        checkSameShape(op, dx, x);
        checkNumel(op + " weight", weight, c);
        checkNumel(op + " dweight", dweight, c);
        checkNumel(op + " dbias", dbias, c);
        checkNumel(op + " mean", mean, n);
        checkNumel(op + " rstd", rstd, n);
        requireOutput(op, dx);
        requireOutput(op + " dweight", dweight);
        requireOutput(op + " dbias", dbias);
        try (MemoryScope tmp = MemoryScope.open()) {
            FastKernels.layerNormBackward(FloatPtr.of(dx), FloatPtr.of(dweight), FloatPtr.of(dbias),
                    in(op, dy), in(op, x), in(op, weight), in(op, mean), in(op, rstd), n, c);
        }
    }

    @Override public void rmsNorm(Tensor x, Tensor weight, float eps, Tensor out, Tensor rstd) {
        int c = lastDim(x), n = rows(x, c);
        checkSameShape("rmsNorm", x, out);
        checkNumel("rmsNorm weight", weight, c);
        checkNumel("rmsNorm rstd", rstd, n);
        requireOutput("rmsNorm", out);
        requireOutput("rmsNorm rstd", rstd);
        try (MemoryScope tmp = MemoryScope.open()) {
            FastKernels.rmsNormForward(FloatPtr.of(out), FloatPtr.of(rstd), in("rmsNorm", x),
                    in("rmsNorm", weight), n, c, eps);
        }
    }

    @Override public void rmsNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor rstd, Tensor dx, Tensor dweight) {
        String op = "rmsNorm backward";
        int c = lastDim(x), n = rows(x, c);
        checkSameShape(op, dy, x);
        checkSameShape(op, dx, x);
        checkNumel(op + " weight", weight, c);
        checkNumel(op + " dweight", dweight, c);
        checkNumel(op + " rstd", rstd, n);
        requireOutput(op, dx);
        requireOutput(op + " dweight", dweight);
        try (MemoryScope tmp = MemoryScope.open()) {
            FastKernels.rmsNormBackward(FloatPtr.of(dx), FloatPtr.of(dweight), in(op, dy), in(op, x),
                    in(op, weight), in(op, rstd), n, c);
        }
    }

    @Override public void embedding(Tensor weight, Tensor ids, Tensor out) {
        if (weight.dim() != 2) throw new IllegalArgumentException("embedding: weight must be (V, C), got " + weight);
        int v = weight.size(0), c = weight.size(1);
        checkEmbeddingShapes("embedding", ids, out, c);
        requireOutput("embedding", out);
        try (MemoryScope tmp = MemoryScope.open()) {
            FastKernels.embeddingForward(FloatPtr.of(out), in("embedding", weight), ids(ids), (int) ids.numel(), v, c);
        }
    }

    @Override public void embeddingBackward(Tensor dout, Tensor ids, Tensor dweight) {
        if (dweight.dim() != 2) throw new IllegalArgumentException("embedding backward: dweight must be (V, C), got " + dweight);
        int v = dweight.size(0), c = dweight.size(1);
        checkEmbeddingShapes("embedding backward", ids, dout, c);
        requireOutput("embedding backward dweight", dweight);
        try (MemoryScope tmp = MemoryScope.open()) {
            FastKernels.embeddingBackward(FloatPtr.of(dweight), in("embedding backward", dout), ids(ids),
                    (int) ids.numel(), v, c);
        }
    }

    private static void checkEmbeddingShapes(String op, Tensor ids, Tensor rows, int c) {
        if (ids.dtype() != DType.I32) throw new IllegalArgumentException(op + ": ids must be I32, got " + ids);
        int[] expected = java.util.Arrays.copyOf(ids.shape(), ids.dim() + 1);
        expected[ids.dim()] = c;
        if (!java.util.Arrays.equals(expected, rows.shape()))
            throw new IllegalArgumentException(op + ": ids " + Shapes.str(ids.shape()) + " need rows of shape "
                    + Shapes.str(expected) + ", got " + Shapes.str(rows.shape()));
    }

    @Override public void crossEntropy(Tensor logits, Tensor targets, int ignoreIndex, Tensor losses, Tensor logsumexp) {
        int[] nv = checkCrossEntropyShapes("crossEntropy", logits, targets);
        checkNumel("crossEntropy losses", losses, nv[0]);
        checkNumel("crossEntropy logsumexp", logsumexp, nv[0]);
        requireOutput("crossEntropy losses", losses);
        requireOutput("crossEntropy logsumexp", logsumexp);
        try (MemoryScope tmp = MemoryScope.open()) {
            FastKernels.crossEntropyForward(FloatPtr.of(losses), FloatPtr.of(logsumexp), in("crossEntropy", logits),
                    ids(targets), ignoreIndex, nv[0], nv[1]);
        }
    }

    @Override public void crossEntropyBackward(Tensor logits, Tensor targets, int ignoreIndex, Tensor logsumexp,
                                               Tensor dlosses, Tensor dlogits) {
        String op = "crossEntropy backward";
        int[] nv = checkCrossEntropyShapes(op, logits, targets);
        checkSameShape(op, logits, dlogits);
        checkNumel(op + " logsumexp", logsumexp, nv[0]);
        checkNumel(op + " dlosses", dlosses, nv[0]);
        requireOutput(op, dlogits);
        try (MemoryScope tmp = MemoryScope.open()) {
            FastKernels.crossEntropyBackward(FloatPtr.of(dlogits), in(op, logits), ids(targets),
                    in(op, logsumexp), in(op, dlosses), ignoreIndex, nv[0], nv[1]);
        }
    }

    /** Returns {N, V} for logits (N, V) and targets (N). */
    private static int[] checkCrossEntropyShapes(String op, Tensor logits, Tensor targets) {
        if (logits.dim() != 2) throw new IllegalArgumentException(op + ": logits must be (N, V), got " + logits);
        if (targets.dtype() != DType.I32) throw new IllegalArgumentException(op + ": targets must be I32, got " + targets);
        int n = logits.size(0), v = logits.size(1);
        checkNumel(op + " targets", targets, n);
        return new int[]{n, v};
    }

    @Override public void causalMask(Tensor x, int offset, float value, Tensor out) {
        if (x.dim() < 2) throw new IllegalArgumentException("causalMask needs (..., T, S), got " + x);
        checkSameShape("causalMask", x, out);
        requireOutput("causalMask", out);
        int t = x.size(-2), s = x.size(-1);
        int b = t == 0 || s == 0 ? 0 : (int) (x.numel() / ((long) t * s));
        try (MemoryScope tmp = MemoryScope.open()) {
            FastKernels.causalMask(FloatPtr.of(out), in("causalMask", x), b, t, s, offset, value);
        }
    }

    @Override public void dropout(Tensor x, float p, long seed, Tensor out, Tensor mask) {
        if (!(p >= 0f && p <= 1f)) throw new IllegalArgumentException("dropout probability must be in [0, 1], got " + p);
        checkSameShape("dropout", x, out);
        checkSameShape("dropout mask", x, mask);
        requireOutput("dropout", out);
        requireOutput("dropout mask", mask);
        try (MemoryScope tmp = MemoryScope.open()) {
            FastKernels.dropout(FloatPtr.of(out), FloatPtr.of(mask), in("dropout", x), x.numel(), p, seed);
        }
    }

    @Override public void gather(Tensor x, int dim, Tensor index, Tensor out) {
        int d = checkGatherShapes("gather", x, dim, index, out);
        requireOutput("gather", out);
        if (x.dtype() != DType.F32) throw new IllegalArgumentException("gather needs an F32 source, got " + x);
        try (MemoryScope tmp = MemoryScope.open()) {
            // x is read through its own strides: no copy even for views
            ReferenceKernels.gather(FloatPtr.of(out), FloatPtr.ofView(x), x.strides(), x.size(d), d, ids(index), index.shape());
        }
    }

    @Override public void scatterAdd(Tensor dout, int dim, Tensor index, Tensor dx) {
        int d = checkGatherShapes("scatterAdd", dx, dim, index, dout);
        requireOutput("scatterAdd", dx);
        try (MemoryScope tmp = MemoryScope.open()) {
            ReferenceKernels.scatterAdd(FloatPtr.of(dx), dx.strides(), dx.size(d), in("scatterAdd", dout), d,
                    ids(index), index.shape());
        }
    }

    /** x is the indexed tensor, rows the tensor of index's shape; returns the normalised dim. */
    private static int checkGatherShapes(String op, Tensor x, int dim, Tensor index, Tensor rows) {
        if (index.dtype() != DType.I32) throw new IllegalArgumentException(op + ": index must be I32, got " + index);
        checkSameShape(op, index, rows);
        int d = Shapes.dim(dim, x.dim());
        boolean ok = x.dim() == index.dim();
        for (int i = 0; ok && i < x.dim(); i++) ok = i == d || index.size(i) <= x.size(i);
        if (!ok)
            throw new IllegalArgumentException(op + " along dim " + dim + ": index " + Shapes.str(index.shape())
                    + " does not fit tensor " + Shapes.str(x.shape()) + " (same rank, other dims no larger)");
        return d;
    }

    @Override public void adamW(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                                float eps, float weightDecay, int step) {
        if (step < 1) throw new IllegalArgumentException("adamW: step counts from 1, got " + step);
        checkSameShape("adamW grad", param, grad);
        checkSameShape("adamW m", param, m);
        checkSameShape("adamW v", param, v);
        requireOutput("adamW param", param);
        requireOutput("adamW m", m);
        requireOutput("adamW v", v);
        try (MemoryScope tmp = MemoryScope.open()) {
            FastKernels.adamW(FloatPtr.of(param), in("adamW", grad), FloatPtr.of(m), FloatPtr.of(v), param.numel(),
                    lr, beta1, beta2, eps, weightDecay, step);
        }
    }

    // ---- helpers for the fused kernels -------------------------------------------------------------------------

    /** Length of the last dim (1 for a scalar). */
    static int lastDim(Tensor t) { return t.dim() == 0 ? 1 : t.size(-1); }

    /** Number of rows of length c (everything but the last dim). */
    static int rows(Tensor t, int c) { return c == 0 ? 0 : Math.toIntExact(t.numel() / c); }

    /** An F32 input as a flat pointer, copied into the current scope when it is not contiguous. */
    static FloatPtr in(String op, Tensor t) {
        if (t.dtype() != DType.F32) throw new IllegalArgumentException(op + " needs F32 inputs, got " + t);
        return FloatPtr.of(t.contiguous());
    }

    /** An I32 input as a flat pointer, copied into the current scope when it is not contiguous. */
    static IntPtr ids(Tensor t) { return IntPtr.of(t.contiguous()); }

    static void requireOutput(String op, Tensor t) {
        if (t.dtype() != DType.F32) throw new IllegalArgumentException(op + " writes an F32 tensor, got " + t);
        requireContiguous(op, t);
    }

    static void checkNumel(String what, Tensor t, long n) {
        if (t.numel() != n)
            throw new IllegalArgumentException(what + ": expected " + n + " elements, got shape " + Shapes.str(t.shape()));
    }

    // ---- checks ----------------------------------------------------------------------------------------------

    static void checkSameShape(String op, Tensor a, Tensor b) {
        if (!a.sameShape(b))
            throw new IllegalArgumentException(op + ": shapes " + Shapes.str(a.shape()) + " and " + Shapes.str(b.shape())
                    + " differ");
    }

    static void requireContiguous(String op, Tensor t) {
        if (!t.isContiguous()) throw new IllegalArgumentException(op + " needs a contiguous tensor, got " + t);
    }
}
