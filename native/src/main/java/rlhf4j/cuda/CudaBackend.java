package rlhf4j.cuda;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HashMap;
import rlhf4j.tensor.Backend;
import rlhf4j.tensor.BinaryOp;
import rlhf4j.tensor.DType;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.ReduceOp;
import rlhf4j.tensor.Shapes;
import rlhf4j.tensor.Storage;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.UnaryOp;

/**
 * The CUDA backend: device memory from a {@link CachingAllocator}, kernels from the PTX built from
 * native/src/main/cuda, GEMM through cuBLAS ({@link CublasApi}). Every op only queues work on the device's stream;
 * the host waits in {@link #copyToHost} and {@link #synchronize}.
 *
 * <p>Found by {@link java.util.ServiceLoader}. Constructing it touches no native code: availability is probed on
 * first use ({@link CudaProbe}) and a machine without a driver or GPU simply reports why it is unavailable.
 *
 * <p>Each method states the kernel it launches; the math lives in the .cu file named there, with the local
 * gradients written beside each backward kernel.
 */
public final class CudaBackend implements Backend {
    private volatile String unavailableReason;
    private volatile boolean probed;
    private final HashMap<Integer, CudaContext> contexts = new HashMap<>();

    public CudaBackend() {}

    @Override public String deviceType() { return "cuda"; }

    @Override public boolean isAvailable() { return unavailableReason() == null; }

    @Override public String unavailableReason() {
        if (!probed) {
            synchronized (this) {
                if (!probed) {
                    unavailableReason = CudaProbe.unavailableReason();
                    probed = true;
                }
            }
        }
        return unavailableReason;
    }

    @Override public String describe() {
        if (!isAvailable()) return "cuda (unavailable: " + unavailableReason() + ")";
        CudaContext c = context(0);
        return "cuda:0 (" + c.deviceName + ")";
    }

    /** The context of a device, created on first use. */
    synchronized CudaContext context(int ordinal) {
        CudaContext c = contexts.get(ordinal);
        if (c == null) {
            if (!isAvailable()) throw new IllegalStateException("CUDA is unavailable: " + unavailableReason());
            int count = CudaProbe.deviceCount();
            if (ordinal >= count)
                throw new IllegalArgumentException("cuda:" + ordinal + " does not exist (" + count + " CUDA device(s))");
            c = new CudaContext(ordinal);
            contexts.put(ordinal, c);
        }
        return c;
    }

    private static CudaStorage storage(Tensor t) {
        if (!(t.storage() instanceof CudaStorage s))
            throw new IllegalArgumentException("CUDA backend got a tensor on " + t.device() + ": " + t);
        return s;
    }

    private static CudaContext ctx(Tensor t) { return storage(t).context(); }

    /** Device address of the storage's first byte (kernels add the layout's offset themselves). */
    private static long base(Tensor t) { return storage(t).address(); }

    /** Device address of the tensor's first element (for kernels that take dense operands). */
    private static long at(Tensor t) { return storage(t).address() + 4 * t.offset(); }

    // ---- memory ----------------------------------------------------------------------------------------------

    @Override public Storage allocate(Device device, long byteSize) {
        if (!device.type().equals("cuda")) throw new IllegalArgumentException("CUDA backend cannot allocate on " + device);
        return CudaStorage.allocate(this, context(device.index()), device, byteSize);
    }

    @Override public void copyFromHost(MemorySegment src, Storage dst, long dstByteOffset, long bytes) {
        CudaStorage d = (CudaStorage) dst;
        checkRange("copyFromHost", dst, dstByteOffset, bytes);
        d.context().copyFromHost(src, d.address(), dstByteOffset, bytes);
    }

    @Override public void copyToHost(Storage src, long srcByteOffset, MemorySegment dst, long bytes) {
        CudaStorage s = (CudaStorage) src;
        checkRange("copyToHost", src, srcByteOffset, bytes);
        s.context().copyToHost(s.address(), srcByteOffset, dst, bytes);
    }

    private static void checkRange(String op, Storage s, long offset, long bytes) {
        if (offset < 0 || bytes < 0 || offset + bytes > s.byteSize())
            throw new IndexOutOfBoundsException(op + ": bytes [" + offset + ", " + (offset + bytes) + ") outside a storage of "
                    + s.byteSize() + " bytes");
    }

    @Override public void synchronize() {
        CudaContext[] all;
        synchronized (this) { all = contexts.values().toArray(new CudaContext[0]); }
        for (CudaContext c : all) c.synchronize();
    }

    // ---- layout and initialisation -------------------------------------------------------------------------

    /** copy_fill.cu / copy_convert */
    @Override public void copy(Tensor src, Tensor dst) {
        checkSameShape("copy", src, dst);
        KernelLayout[] l = KernelLayout.merged(src, dst);
        long n = dst.numel();
        ctx(dst).launch("copy", "copy_fill", "copy_convert", LaunchGeometry.elementwise(n), new KernelArgs()
                .i64(n).i32(src.dtype().ordinal()).i32(dst.dtype().ordinal())
                .layout(l[0]).ptr(base(src)).layout(l[1]).ptr(base(dst)));
    }

    /** copy_fill.cu / fill_words: the value is encoded as a 32-bit word of dst's dtype here. */
    @Override public void fill(Tensor dst, double value) {
        int word = dst.dtype() == DType.F32 ? Float.floatToRawIntBits((float) value) : (int) value;
        long n = dst.numel();
        ctx(dst).launch("fill", "copy_fill", "fill_words", LaunchGeometry.elementwise(n), new KernelArgs()
                .i64(n).i32(word).layout(KernelLayout.merged(dst)[0]).ptr(base(dst)));
    }

    /** random.cu / random_uniform */
    @Override public void randomUniform(Tensor out, long seed, float lo, float hi) {
        requireContiguous("randomUniform", out);
        long n = out.numel();
        ctx(out).launch("randomUniform", "random", "random_uniform", LaunchGeometry.elementwise(n),
                new KernelArgs().i64(n).i64(seed).f32(lo).f32(hi).ptr(at(out)));
    }

    /** random.cu / random_normal */
    @Override public void randomNormal(Tensor out, long seed, float mean, float std) {
        requireContiguous("randomNormal", out);
        long n = out.numel();
        ctx(out).launch("randomNormal", "random", "random_normal", LaunchGeometry.elementwise(n),
                new KernelArgs().i64(n).i64(seed).f32(mean).f32(std).ptr(at(out)));
    }

    // ---- elementwise -----------------------------------------------------------------------------------------

    /** elementwise.cu / unary_f32 */
    @Override public void unary(UnaryOp op, Tensor x, double p, Tensor out) {
        checkSameShape(op.name(), x, out);
        KernelLayout[] l = KernelLayout.merged(x, out);
        long n = out.numel();
        ctx(out).launch(op.name(), "elementwise", "unary_f32", LaunchGeometry.elementwise(n), new KernelArgs()
                .i32(op.ordinal()).f32((float) p).i64(n).layout(l[0]).ptr(base(x)).layout(l[1]).ptr(base(out)));
    }

    /** elementwise.cu / unary_backward_f32 */
    @Override public void unaryBackward(UnaryOp op, Tensor x, Tensor y, double p, Tensor dy, Tensor dx) {
        checkSameShape(op.name() + " backward", x, dx);
        KernelLayout[] l = KernelLayout.merged(x, y, dy, dx);
        long n = dx.numel();
        ctx(dx).launch(op.name() + " backward", "elementwise", "unary_backward_f32", LaunchGeometry.elementwise(n),
                new KernelArgs().i32(op.ordinal()).f32((float) p).i64(n).layout(l[0]).ptr(base(x)).layout(l[1])
                        .ptr(base(y)).layout(l[2]).ptr(base(dy)).layout(l[3]).ptr(base(dx)));
    }

    /** elementwise.cu / binary_f32 */
    @Override public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        checkSameShape(op.name(), a, out);
        checkSameShape(op.name(), b, out);
        KernelLayout[] l = KernelLayout.merged(a, b, out);
        long n = out.numel();
        ctx(out).launch(op.name(), "elementwise", "binary_f32", LaunchGeometry.elementwise(n), new KernelArgs()
                .i32(op.ordinal()).i64(n).layout(l[0]).ptr(base(a)).layout(l[1]).ptr(base(b))
                .layout(l[2]).ptr(base(out)));
    }

    /** elementwise.cu / where_f32 */
    @Override public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        checkSameShape("where", cond, out);
        checkSameShape("where", a, out);
        checkSameShape("where", b, out);
        KernelLayout[] l = KernelLayout.merged(cond, a, b, out);
        long n = out.numel();
        ctx(out).launch("where", "elementwise", "where_f32", LaunchGeometry.elementwise(n), new KernelArgs()
                .i64(n).i32(cond.dtype() == DType.F32 ? 1 : 0).layout(l[0]).ptr(base(cond)).layout(l[1]).ptr(base(a))
                .layout(l[2]).ptr(base(b)).layout(l[3]).ptr(base(out)));
    }

    // ---- reductions ------------------------------------------------------------------------------------------

    /** reduce.cu / reduce_rows, after moving the reduced dims last (a copy unless already there). */
    @Override public void reduce(ReduceOp op, Tensor x, int[] dims, Tensor out) {
        requireContiguous("reduce output", out);
        int rank = x.dim();
        int[] order = new int[rank];
        boolean[] reduced = new boolean[rank];
        for (int d : dims) reduced[d] = true;
        int j = 0;
        for (int d = 0; d < rank; d++) if (!reduced[d]) order[j++] = d;
        for (int d : dims) order[j++] = d;
        Tensor xp = x.permute(order).contiguous();          // (rows, r) row-major
        long r = 1;
        for (int d : dims) r *= x.size(d);
        long rows = out.numel();
        ctx(out).launch(op.name().toLowerCase(), "reduce", "reduce_rows", LaunchGeometry.rows(rows, r),
                new KernelArgs().i32(op.ordinal()).i64(rows).i64(r).ptr(at(xp)).ptr(at(out)));
    }

    // ---- linear algebra --------------------------------------------------------------------------------------

    /** cuBLAS SGEMM / strided-batched GEMM, see {@link CudaGemm}. */
    @Override public void matmul(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        requireContiguous("matmul output", out);
        int m = out.size(-2), n = out.size(-1), k = a.size(-1);
        if (m == 0 || n == 0) return;
        if (k == 0) {                                          // an empty sum: out = 0 (or unchanged when accumulating)
            if (!accumulate) fill(out, 0);
            return;
        }
        if (CudaGemm.Operand.of(a) == null) a = a.contiguous();
        if (CudaGemm.Operand.of(b) == null) b = b.contiguous();
        CudaContext c = ctx(out);
        c.enter();
        CudaGemm.run(c.cublas(), a, b, out, accumulate, CudaBackend::base);
        c.recordPending("matmul");
    }

    // ---- fused neural-network kernels ------------------------------------------------------------------------

    private static long lastDim(Tensor t) { return t.dim() == 0 ? 1 : t.size(-1); }

    private static long rows(Tensor t) {
        long c = lastDim(t);
        return c == 0 ? 0 : t.numel() / c;
    }

    /** softmax.cu / softmax_forward */
    @Override public void softmax(Tensor x, Tensor out, boolean log) {
        checkSameShape("softmax", x, out);
        requireContiguous("softmax output", out);
        x = x.contiguous();
        long c = lastDim(x), rows = rows(x);
        ctx(out).launch(log ? "logSoftmax" : "softmax", "softmax", "softmax_forward", LaunchGeometry.rows(rows, c),
                new KernelArgs().i64(rows).i64(c).i32(log ? 1 : 0).ptr(at(x)).ptr(at(out)));
    }

    /** softmax.cu / softmax_backward */
    @Override public void softmaxBackward(Tensor y, Tensor dy, Tensor dx, boolean log) {
        checkSameShape("softmax backward", y, dx);
        checkSameShape("softmax backward", dy, dx);
        requireContiguous("softmax backward output", dx);
        y = y.contiguous();
        dy = dy.contiguous();
        long c = lastDim(y), rows = rows(y);
        ctx(dx).launch(log ? "logSoftmax backward" : "softmax backward", "softmax", "softmax_backward",
                LaunchGeometry.rows(rows, c), new KernelArgs().i64(rows).i64(c).i32(log ? 1 : 0)
                        .ptr(at(y)).ptr(at(dy)).ptr(at(dx)));
    }

    /** norm.cu / layernorm_forward */
    @Override public void layerNorm(Tensor x, Tensor weight, Tensor bias, float eps, Tensor out, Tensor mean, Tensor rstd) {
        requireContiguous("layerNorm", x, out, mean, rstd);
        weight = weight.contiguous();
        bias = bias.contiguous();
        long c = lastDim(x), rows = rows(x);
        ctx(out).launch("layerNorm", "norm", "layernorm_forward", LaunchGeometry.rows(rows, c), new KernelArgs()
                .i64(rows).i64(c).f32(eps).ptr(at(x)).ptr(at(weight)).ptr(at(bias)).ptr(at(out)).ptr(at(mean))
                .ptr(at(rstd)));
    }

    /**
     * norm.cu / layernorm_backward_input (one block per row), then the weight and bias gradients in two stages:
     * layernorm_params_partial (column sums per chunk of rows) and sum_partials ({@link #addPartialSums}).
     */
    @Override public void layerNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor mean, Tensor rstd,
                                            Tensor dx, Tensor dweight, Tensor dbias) {
        requireContiguous("layerNorm backward", x, mean, rstd, dx, dweight, dbias);
        dy = dy.contiguous();
        weight = weight.contiguous();
        long c = lastDim(x), rows = rows(x);
        CudaContext cx = ctx(dx);
        cx.launch("layerNorm backward", "norm", "layernorm_backward_input", LaunchGeometry.rows(rows, c),
                new KernelArgs().i64(rows).i64(c).ptr(at(dy)).ptr(at(x)).ptr(at(weight)).ptr(at(mean)).ptr(at(rstd))
                        .ptr(at(dx)));
        long chunkRows = LaunchGeometry.chunkRows(rows), chunks = LaunchGeometry.chunks(rows, chunkRows);
        try (MemoryScope scratch = MemoryScope.open()) {
            Tensor pw = partialSums(dx, chunks, c), pb = partialSums(dx, chunks, c);
            cx.launch("layerNorm backward (weight, bias)", "norm", "layernorm_params_partial",
                    LaunchGeometry.chunkTiles(chunks, c), new KernelArgs().i64(rows).i64(c).i64(chunkRows).ptr(at(dy))
                            .ptr(at(x)).ptr(at(mean)).ptr(at(rstd)).ptr(at(pw)).ptr(at(pb)));
            addPartialSums(cx, chunks, c, pw, dweight);
            addPartialSums(cx, chunks, c, pb, dbias);
        }
    }

    /**
     * Scratch (chunks, c) for per-chunk column sums. Freed when the caller's scope closes, while the kernels that use
     * it may still be queued: safe, as every later user of the block runs after them on the same stream.
     */
    private static Tensor partialSums(Tensor like, long chunks, long c) {
        return Tensor.empty(DType.F32, like.device(), Math.toIntExact(chunks), Math.toIntExact(c));
    }

    /** norm.cu / sum_partials: out[j] += Σ_chunks partial[chunk, j], the second stage of the column sums. */
    private static void addPartialSums(CudaContext cx, long chunks, long c, Tensor partial, Tensor out) {
        if (chunks == 0) return;
        cx.launch("norm backward (sum of row chunks)", "norm", "sum_partials", LaunchGeometry.elementwise(c),
                new KernelArgs().i64(chunks).i64(c).ptr(at(partial)).ptr(at(out)));
    }

    /** norm.cu / rmsnorm_forward */
    @Override public void rmsNorm(Tensor x, Tensor weight, float eps, Tensor out, Tensor rstd) {
        requireContiguous("rmsNorm", x, out, rstd);
        weight = weight.contiguous();
        long c = lastDim(x), rows = rows(x);
        ctx(out).launch("rmsNorm", "norm", "rmsnorm_forward", LaunchGeometry.rows(rows, c), new KernelArgs()
                .i64(rows).i64(c).f32(eps).ptr(at(x)).ptr(at(weight)).ptr(at(out)).ptr(at(rstd)));
    }

    /** norm.cu / rmsnorm_backward_input, then rmsnorm_params_partial and sum_partials (as {@link #layerNormBackward}). */
    @Override public void rmsNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor rstd, Tensor dx, Tensor dweight) {
        requireContiguous("rmsNorm backward", x, rstd, dx, dweight);
        dy = dy.contiguous();
        weight = weight.contiguous();
        long c = lastDim(x), rows = rows(x);
        CudaContext cx = ctx(dx);
        cx.launch("rmsNorm backward", "norm", "rmsnorm_backward_input", LaunchGeometry.rows(rows, c), new KernelArgs()
                .i64(rows).i64(c).ptr(at(dy)).ptr(at(x)).ptr(at(weight)).ptr(at(rstd)).ptr(at(dx)));
        long chunkRows = LaunchGeometry.chunkRows(rows), chunks = LaunchGeometry.chunks(rows, chunkRows);
        try (MemoryScope scratch = MemoryScope.open()) {
            Tensor pw = partialSums(dx, chunks, c);
            cx.launch("rmsNorm backward (weight)", "norm", "rmsnorm_params_partial", LaunchGeometry.chunkTiles(chunks, c),
                    new KernelArgs().i64(rows).i64(c).i64(chunkRows).ptr(at(dy)).ptr(at(x)).ptr(at(rstd)).ptr(at(pw)));
            addPartialSums(cx, chunks, c, pw, dweight);
        }
    }

    /** indexing.cu / embedding_forward; a bad id is reported at the next synchronisation. */
    @Override public void embedding(Tensor weight, Tensor ids, Tensor out) {
        requireContiguous("embedding output", out);
        requireI32("embedding ids", ids);
        weight = weight.contiguous();
        long v = weight.size(0), c = weight.size(1), nIds = ids.numel();
        CudaContext cx = ctx(out);
        cx.launchIndexed("embedding", "indexing", "embedding_forward", LaunchGeometry.elementwise(nIds * c),
                new KernelArgs().i64(nIds).i64(c).i64(v).ptr(at(weight)).layout(KernelLayout.merged(ids)[0])
                        .ptr(base(ids)).ptr(at(out)).ptr(cx.indexErrorAddress()));
    }

    /** indexing.cu / embedding_backward (atomicAdd: ids may repeat). */
    @Override public void embeddingBackward(Tensor dout, Tensor ids, Tensor dweight) {
        requireContiguous("embedding backward", dweight);
        requireI32("embedding ids", ids);
        dout = dout.contiguous();
        long v = dweight.size(0), c = dweight.size(1), nIds = ids.numel();
        CudaContext cx = ctx(dweight);
        cx.launchIndexed("embedding backward", "indexing", "embedding_backward", LaunchGeometry.elementwise(nIds * c),
                new KernelArgs().i64(nIds).i64(c).i64(v).ptr(at(dout)).layout(KernelLayout.merged(ids)[0])
                        .ptr(base(ids)).ptr(at(dweight)).ptr(cx.indexErrorAddress()));
    }

    /** cross_entropy.cu / cross_entropy_forward */
    @Override public void crossEntropy(Tensor logits, Tensor targets, int ignoreIndex, Tensor losses, Tensor logsumexp) {
        requireContiguous("crossEntropy", losses, logsumexp);
        requireI32("crossEntropy targets", targets);
        logits = logits.contiguous();
        targets = targets.contiguous();
        long v = lastDim(logits), rows = rows(logits);
        CudaContext cx = ctx(losses);
        cx.launchIndexed("crossEntropy", "cross_entropy", "cross_entropy_forward", LaunchGeometry.rows(rows, v),
                new KernelArgs().i64(rows).i64(v).i32(ignoreIndex).ptr(at(logits)).ptr(at(targets)).ptr(at(losses))
                        .ptr(at(logsumexp)).ptr(cx.indexErrorAddress()));
    }

    /** cross_entropy.cu / cross_entropy_backward */
    @Override public void crossEntropyBackward(Tensor logits, Tensor targets, int ignoreIndex, Tensor logsumexp,
                                               Tensor dlosses, Tensor dlogits) {
        requireContiguous("crossEntropy backward", dlogits);
        logits = logits.contiguous();
        targets = targets.contiguous();
        logsumexp = logsumexp.contiguous();
        dlosses = dlosses.contiguous();
        long v = lastDim(logits), rows = rows(logits);
        ctx(dlogits).launch("crossEntropy backward", "cross_entropy", "cross_entropy_backward",
                LaunchGeometry.rows(rows, v), new KernelArgs().i64(rows).i64(v).i32(ignoreIndex).ptr(at(logits))
                        .ptr(at(targets)).ptr(at(logsumexp)).ptr(at(dlosses)).ptr(at(dlogits)));
    }

    /** causal_mask.cu / causal_mask */
    @Override public void causalMask(Tensor x, int offset, float value, Tensor out) {
        checkSameShape("causalMask", x, out);
        requireContiguous("causalMask output", out);
        if (x.dim() < 2) throw new IllegalArgumentException("causalMask needs (..., T, S), got " + x);
        long n = out.numel();
        ctx(out).launch("causalMask", "causal_mask", "causal_mask", LaunchGeometry.elementwise(n), new KernelArgs()
                .i64(n).i64(x.size(-2)).i64(x.size(-1)).i64(offset).f32(value).layout(KernelLayout.merged(x)[0])
                .ptr(base(x)).ptr(at(out)));
    }

    /** random.cu / dropout_forward */
    @Override public void dropout(Tensor x, float p, long seed, Tensor out, Tensor mask) {
        checkSameShape("dropout", x, out);
        checkSameShape("dropout", mask, out);
        requireContiguous("dropout", out, mask);
        long n = out.numel();
        ctx(out).launch("dropout", "random", "dropout_forward", LaunchGeometry.elementwise(n), new KernelArgs()
                .i64(n).f32(p).i64(seed).layout(KernelLayout.merged(x)[0]).ptr(base(x)).ptr(at(out)).ptr(at(mask)));
    }

    /** indexing.cu / gather_dim */
    @Override public void gather(Tensor x, int dim, Tensor index, Tensor out) {
        checkSameShape("gather", index, out);
        requireContiguous("gather output", out);
        requireI32("gather index", index);
        int d = checkGatherDims("gather", x, dim, index);
        long n = out.numel();
        CudaContext cx = ctx(out);
        cx.launchIndexed("gather", "indexing", "gather_dim", LaunchGeometry.elementwise(n), new KernelArgs()
                .i64(n).i32(d).layout(KernelLayout.of(x)).ptr(base(x)).layout(KernelLayout.of(index)).ptr(base(index))
                .ptr(at(out)).ptr(cx.indexErrorAddress()));
    }

    /** indexing.cu / scatter_add_dim (atomicAdd: indices may repeat). */
    @Override public void scatterAdd(Tensor dout, int dim, Tensor index, Tensor dx) {
        checkSameShape("scatterAdd", index, dout);
        requireContiguous("scatterAdd output", dx);
        requireI32("scatterAdd index", index);
        int d = checkGatherDims("scatterAdd", dx, dim, index);
        long n = dout.numel();
        CudaContext cx = ctx(dx);
        cx.launchIndexed("scatterAdd", "indexing", "scatter_add_dim", LaunchGeometry.elementwise(n), new KernelArgs()
                .i64(n).i32(d).layout(KernelLayout.merged(dout)[0]).ptr(base(dout)).layout(KernelLayout.of(index))
                .ptr(base(index)).layout(KernelLayout.of(dx)).ptr(base(dx)).ptr(cx.indexErrorAddress()));
    }

    private static int checkGatherDims(String op, Tensor x, int dim, Tensor index) {
        if (x.dim() != index.dim())
            throw new IllegalArgumentException(op + ": index " + index + " and tensor " + x + " differ in rank");
        int d = Shapes.dim(dim, x.dim());
        for (int i = 0; i < x.dim(); i++)
            if (i != d && index.size(i) > x.size(i))
                throw new IllegalArgumentException(op + ": index " + Shapes.str(index.shape()) + " is larger than "
                        + Shapes.str(x.shape()) + " in dim " + i);
        return d;
    }

    // ---- optimizer -------------------------------------------------------------------------------------------

    /** adamw.cu / adamw_step; the bias corrections 1 − β^step are computed here in double. */
    @Override public void adamW(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                                float eps, float weightDecay, int step) {
        requireContiguous("adamW", param, m, v);
        checkSameShape("adamW", param, grad);
        grad = grad.contiguous();
        if (step < 1) throw new IllegalArgumentException("adamW step counts from 1, got " + step);
        float bc1 = (float) (1 - Math.pow(beta1, step)), bc2 = (float) (1 - Math.pow(beta2, step));
        long n = param.numel();
        ctx(param).launch("adamW", "adamw", "adamw_step", LaunchGeometry.elementwise(n), new KernelArgs()
                .i64(n).ptr(at(param)).ptr(at(grad)).ptr(at(m)).ptr(at(v)).f32(lr).f32(beta1).f32(beta2).f32(eps)
                .f32(weightDecay).f32(bc1).f32(bc2));
    }

    // ---- checks ----------------------------------------------------------------------------------------------

    private static void checkSameShape(String op, Tensor a, Tensor b) {
        if (!a.sameShape(b))
            throw new IllegalArgumentException(op + ": shapes " + Shapes.str(a.shape()) + " and " + Shapes.str(b.shape())
                    + " differ");
    }

    private static void requireContiguous(String op, Tensor... ts) {
        for (Tensor t : ts)
            if (!t.isContiguous()) throw new IllegalArgumentException(op + " needs a contiguous tensor, got " + t);
    }

    private static void requireI32(String what, Tensor t) {
        if (t.dtype() != DType.I32) throw new IllegalArgumentException(what + " must be I32, got " + t);
    }

    @Override public String toString() { return "CudaBackend" + Arrays.toString(contexts.keySet().toArray()); }
}
