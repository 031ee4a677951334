package rlhf4j.cuda;

import java.util.function.ToLongFunction;
import rlhf4j.tensor.Tensor;

/**
 * Row-major batched matmul on column-major cuBLAS, without copying transposed operands.
 *
 * <p>A row-major M×N matrix read column-major is its transpose, so out = a·b is computed as outᵀ = bᵀ·aᵀ: cuBLAS
 * gets (m, n, k) = (N, M, K) with b as its first operand and a as its second, and each operand's transpose flag
 * says whether the tensor is stored as itself or as a transposed view (same rules as CpuBackend's GemmOperand).
 * Batch dims with one uniform stride per operand (including stride 0 for a broadcast operand) become a single
 * strided-batched call; anything else is a loop of single GEMMs.
 */
final class CudaGemm {
    private CudaGemm() {}

    /** How one row-major 2-D operand is handed to cuBLAS: transposed or not, and its leading dimension. */
    record Operand(boolean trans, int ld) {
        /** Null when the view is neither row- nor column-contiguous (the caller copies it first). */
        static Operand of(long rowStride, long colStride, int rows, int cols) {
            long ld;
            if ((colStride == 1 || cols == 1) && (rowStride >= cols || rows == 1)) {
                ld = Math.max(rows == 1 ? cols : rowStride, Math.max(cols, 1));
                return ld <= Integer.MAX_VALUE ? new Operand(false, (int) ld) : null;
            }
            if ((rowStride == 1 || rows == 1) && (colStride >= rows || cols == 1)) {
                ld = Math.max(cols == 1 ? rows : colStride, Math.max(rows, 1));
                return ld <= Integer.MAX_VALUE ? new Operand(true, (int) ld) : null;
            }
            return null;
        }

        static Operand of(Tensor t) { return of(t.stride(-2), t.stride(-1), t.size(-2), t.size(-1)); }

        int cublasOp() { return trans ? CublasApi.OP_T : CublasApi.OP_N; }
    }

    /**
     * The stride between consecutive matrices of a batch (in elements), or -1 when the batch dims do not step
     * uniformly. batchShape is shared by every operand (already broadcast).
     */
    static long uniformBatchStride(int[] batchShape, long[] batchStrides) {
        long stride = -1, next = 0;          // next: the stride the next outer dim must have to continue the run
        for (int d = batchShape.length - 1; d >= 0; d--) {
            if (batchShape[d] == 1) continue;
            if (stride < 0) stride = batchStrides[d];
            else if (batchStrides[d] != next) return -1;
            next = batchStrides[d] * batchShape[d];
        }
        return stride < 0 ? 0 : stride;
    }

    /**
     * out (..., M, N) = a (..., M, K) @ b (..., K, N) (+ out when accumulate). a and b must already be expressible
     * as {@link Operand}s (the caller copies them otherwise); out is contiguous; k > 0 and M·N > 0.
     * {@code address} gives the device address of a tensor's storage.
     */
    static void run(CublasApi blas, Tensor a, Tensor b, Tensor out, boolean accumulate, ToLongFunction<Tensor> address) {
        int r = out.dim();
        int m = out.size(-2), n = out.size(-1), k = a.size(-1);
        Operand oa = Operand.of(a), ob = Operand.of(b);
        if (oa == null || ob == null) throw new IllegalArgumentException("matmul operand needs a copy first: " + a + ", " + b);
        float beta = accumulate ? 1f : 0f;
        int[] batchShape = java.util.Arrays.copyOf(out.shape(), r - 2);
        long batches = out.numel() / ((long) m * n);
        long[] aStrides = java.util.Arrays.copyOf(a.strides(), r - 2), bStrides = java.util.Arrays.copyOf(b.strides(), r - 2);
        long sa = uniformBatchStride(batchShape, aStrides), sb = uniformBatchStride(batchShape, bStrides);
        long aBase = address.applyAsLong(a), bBase = address.applyAsLong(b), cBase = address.applyAsLong(out);
        long cOff = out.offset();
        if (batches == 1) {
            blas.sgemm(ob.cublasOp(), oa.cublasOp(), n, m, k, 1f, bBase + 4 * b.offset(),
                    ob.ld(), aBase + 4 * a.offset(), oa.ld(), beta, cBase + 4 * cOff, n);
        } else if (sa >= 0 && sb >= 0 && batches <= Integer.MAX_VALUE) {
            blas.sgemmStridedBatched(ob.cublasOp(), oa.cublasOp(), n, m, k, 1f, bBase + 4 * b.offset(), ob.ld(), sb,
                    aBase + 4 * a.offset(), oa.ld(), sa, beta, cBase + 4 * cOff, n, (long) m * n, (int) batches);
        } else {
            int[] idx = new int[r - 2];
            for (long bi = 0; bi < batches; bi++) {
                long ao = a.offset(), bo = b.offset();
                for (int d = 0; d < r - 2; d++) { ao += idx[d] * aStrides[d]; bo += idx[d] * bStrides[d]; }
                blas.sgemm(ob.cublasOp(), oa.cublasOp(), n, m, k, 1f, bBase + 4 * bo, ob.ld(), aBase + 4 * ao, oa.ld(),
                        beta, cBase + 4 * (cOff + bi * m * n), n);
                for (int d = r - 3; d >= 0; d--) { if (++idx[d] < batchShape[d]) break; idx[d] = 0; }
            }
        }
    }
}
