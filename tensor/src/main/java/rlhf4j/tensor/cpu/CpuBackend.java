package rlhf4j.tensor.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import rlhf4j.tensor.Backend;
import rlhf4j.tensor.BinaryOp;
import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.DType;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.ReduceOp;
import rlhf4j.tensor.Shapes;
import rlhf4j.tensor.Storage;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.UnaryOp;
import rlhf4j.tensor.blas.Blas;
import rlhf4j.tensor.blas.BlasRegistry;

/** The CPU backend: host memory from {@link CpuAllocator}, GEMM through {@link Blas}, kernels in Java. */
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
        Strided.Layout l = Strided.layout(src, dst);
        Strided.forRows(l, new long[]{src.offset(), dst.offset()}, 0, l.rows(), (off, n, st) -> {
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
        Strided.Layout l = Strided.layout(dst);
        Strided.forRows(l, new long[]{dst.offset()}, 0, l.rows(), (off, n, st) -> {
            long di = off[0];
            for (int j = 0; j < n; j++, di += st[0]) {
                if (f) d.setAtIndex(F, di, fv); else d.setAtIndex(I, di, iv);
            }
        });
    }

    @Override public void randomUniform(Tensor out, long seed, float lo, float hi) {
        requireContiguous("randomUniform", out);
        MemorySegment d = seg(out);
        long n = out.numel(), o = out.offset();
        for (long i = 0; i < n; i++) d.setAtIndex(F, o + i, lo + (hi - lo) * CounterRng.uniform(seed, i));
    }

    @Override public void randomNormal(Tensor out, long seed, float mean, float std) {
        requireContiguous("randomNormal", out);
        MemorySegment d = seg(out);
        long n = out.numel(), o = out.offset();
        for (long i = 0; i < n; i++) d.setAtIndex(F, o + i, mean + std * CounterRng.normal(seed, i));
    }

    // ---- elementwise -----------------------------------------------------------------------------------------

    @Override public void unary(UnaryOp op, Tensor x, double p, Tensor out) {
        checkSameShape(op.name(), x, out);
        MemorySegment xs = seg(x), os = seg(out);
        float pf = (float) p;
        Strided.Layout l = Strided.layout(x, out);
        Strided.forRows(l, new long[]{x.offset(), out.offset()}, 0, l.rows(), (off, n, st) -> {
            long xi = off[0], oi = off[1];
            for (int j = 0; j < n; j++, xi += st[0], oi += st[1])
                os.setAtIndex(F, oi, ScalarMath.unary(op, xs.getAtIndex(F, xi), pf));
        });
    }

    @Override public void unaryBackward(UnaryOp op, Tensor x, Tensor y, double p, Tensor dy, Tensor dx) {
        checkSameShape(op.name() + " backward", x, dx);
        MemorySegment xs = seg(x), ys = seg(y), dys = seg(dy), dxs = seg(dx);
        float pf = (float) p;
        Strided.Layout l = Strided.layout(x, y, dy, dx);
        Strided.forRows(l, new long[]{x.offset(), y.offset(), dy.offset(), dx.offset()}, 0, l.rows(), (off, n, st) -> {
            long xi = off[0], yi = off[1], gi = off[2], oi = off[3];
            for (int j = 0; j < n; j++, xi += st[0], yi += st[1], gi += st[2], oi += st[3])
                dxs.setAtIndex(F, oi, dys.getAtIndex(F, gi)
                        * ScalarMath.derivative(op, xs.getAtIndex(F, xi), ys.getAtIndex(F, yi), pf));
        });
    }

    @Override public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        checkSameShape(op.name(), a, out);
        checkSameShape(op.name(), b, out);
        MemorySegment as = seg(a), bs = seg(b), os = seg(out);
        Strided.Layout l = Strided.layout(a, b, out);
        Strided.forRows(l, new long[]{a.offset(), b.offset(), out.offset()}, 0, l.rows(), (off, n, st) -> {
            long ai = off[0], bi = off[1], oi = off[2];
            for (int j = 0; j < n; j++, ai += st[0], bi += st[1], oi += st[2])
                os.setAtIndex(F, oi, ScalarMath.binary(op, as.getAtIndex(F, ai), bs.getAtIndex(F, bi)));
        });
    }

    @Override public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        MemorySegment cs = seg(cond), as = seg(a), bs = seg(b), os = seg(out);
        boolean condF = cond.dtype() == DType.F32;
        Strided.Layout l = Strided.layout(cond, a, b, out);
        Strided.forRows(l, new long[]{cond.offset(), a.offset(), b.offset(), out.offset()}, 0, l.rows(), (off, n, st) -> {
            long ci = off[0], ai = off[1], bi = off[2], oi = off[3];
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
        Tensor xp = x.permute(order).contiguous();
        long r = 1;
        for (int d : dims) r *= x.size(d);
        long rows = out.numel();
        MemorySegment xs = seg(xp), os = seg(out);
        long xo = xp.offset(), oo = out.offset();
        for (long row = 0; row < rows; row++) {
            long base = xo + row * r;
            switch (op) {
                case SUM, MEAN -> {
                    double acc = 0;
                    for (long i = 0; i < r; i++) acc += xs.getAtIndex(F, base + i);
                    os.setAtIndex(F, oo + row, (float) (op == ReduceOp.MEAN ? acc / r : acc));
                }
                case MAX, MIN -> {
                    float best = op == ReduceOp.MAX ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
                    for (long i = 0; i < r; i++) {
                        float v = xs.getAtIndex(F, base + i);
                        if (Float.isNaN(v)) { best = v; break; }
                        best = op == ReduceOp.MAX ? Math.max(best, v) : Math.min(best, v);
                    }
                    os.setAtIndex(F, oo + row, best);
                }
                case ARGMAX -> {
                    int bi = 0;
                    float best = Float.NEGATIVE_INFINITY;
                    for (int i = 0; i < r; i++) {
                        float v = xs.getAtIndex(F, base + i);
                        if (v > best || (Float.isNaN(v) && !Float.isNaN(best))) { best = v; bi = i; }
                    }
                    os.setAtIndex(I, oo + row, bi);
                }
            }
        }
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
        int r = out.dim();
        int m = out.size(-2), n = out.size(-1), k = a.size(-1);
        GemmOperand ga = GemmOperand.of(a.stride(-2), a.stride(-1), m, k);
        GemmOperand gb = GemmOperand.of(b.stride(-2), b.stride(-1), k, n);
        if (ga == null) { a = a.contiguous(); ga = new GemmOperand(false, Math.max(k, 1)); }
        if (gb == null) { b = b.contiguous(); gb = new GemmOperand(false, Math.max(n, 1)); }
        if (m == 0 || n == 0) return;
        Blas blas = BlasRegistry.current();
        MemorySegment as = seg(a), bs = seg(b), os = seg(out);
        long batches = out.numel() / ((long) m * n);
        int[] shape = out.shape();
        int[] idx = new int[r - 2];
        for (long bi = 0; bi < batches; bi++) {
            long ao = a.offset(), bo = b.offset();
            for (int d = 0; d < r - 2; d++) { ao += idx[d] * a.stride(d); bo += idx[d] * b.stride(d); }
            if (k == 0) {
                if (!accumulate) for (long i = 0; i < (long) m * n; i++) os.setAtIndex(F, out.offset() + bi * m * n + i, 0f);
            } else {
                blas.sgemm(ga.trans(), gb.trans(), m, n, k, 1f, as, ao, ga.ld(), bs, bo, gb.ld(),
                        accumulate ? 1f : 0f, os, out.offset() + bi * m * n, n);
            }
            for (int d = r - 3; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
        }
    }

    // ---- fused neural-network kernels ------------------------------------------------------------------------

    @Override public void softmax(Tensor x, Tensor out, boolean log) { throw todo("softmax"); }

    @Override public void softmaxBackward(Tensor y, Tensor dy, Tensor dx, boolean log) { throw todo("softmaxBackward"); }

    @Override public void layerNorm(Tensor x, Tensor weight, Tensor bias, float eps, Tensor out, Tensor mean, Tensor rstd) {
        throw todo("layerNorm");
    }

    @Override public void layerNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor mean, Tensor rstd,
                                            Tensor dx, Tensor dweight, Tensor dbias) { throw todo("layerNormBackward"); }

    @Override public void rmsNorm(Tensor x, Tensor weight, float eps, Tensor out, Tensor rstd) { throw todo("rmsNorm"); }

    @Override public void rmsNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor rstd, Tensor dx, Tensor dweight) {
        throw todo("rmsNormBackward");
    }

    @Override public void embedding(Tensor weight, Tensor ids, Tensor out) { throw todo("embedding"); }

    @Override public void embeddingBackward(Tensor dout, Tensor ids, Tensor dweight) { throw todo("embeddingBackward"); }

    @Override public void crossEntropy(Tensor logits, Tensor targets, int ignoreIndex, Tensor losses, Tensor logsumexp) {
        throw todo("crossEntropy");
    }

    @Override public void crossEntropyBackward(Tensor logits, Tensor targets, int ignoreIndex, Tensor logsumexp,
                                               Tensor dlosses, Tensor dlogits) { throw todo("crossEntropyBackward"); }

    @Override public void causalMask(Tensor x, int offset, float value, Tensor out) { throw todo("causalMask"); }

    @Override public void dropout(Tensor x, float p, long seed, Tensor out, Tensor mask) { throw todo("dropout"); }

    @Override public void gather(Tensor x, int dim, Tensor index, Tensor out) { throw todo("gather"); }

    @Override public void scatterAdd(Tensor dout, int dim, Tensor index, Tensor dx) { throw todo("scatterAdd"); }

    @Override public void adamW(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                                float eps, float weightDecay, int step) { throw todo("adamW"); }

    private static UnsupportedOperationException todo(String op) {
        return new UnsupportedOperationException(op + " is not implemented on the CPU backend yet");
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
