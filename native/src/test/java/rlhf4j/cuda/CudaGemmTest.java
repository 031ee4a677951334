package rlhf4j.cuda;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.cpu.CpuStorage;

/**
 * The row-major → column-major mapping, transposition flags and batching decisions, run end to end against a
 * host implementation of the cuBLAS calls (column-major, exactly as documented by NVIDIA) on CPU tensors.
 * A wrong operand order, flag or leading dimension gives wrong numbers here, without a GPU.
 */
class CudaGemmTest {

    /** cublasSgemm / cublasGemmStridedBatchedEx semantics on host memory; counts the calls made. */
    static final class HostCublas implements CublasApi {
        int gemmCalls, batchedCalls;

        @Override public String name() { return "host reference"; }

        @Override public void setTf32(boolean enabled) {}

        @Override public void sgemm(int opA, int opB, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
                                    float beta, long c, int ldc) {
            gemmCalls++;
            gemm(opA, opB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        }

        @Override public void sgemmStridedBatched(int opA, int opB, int m, int n, int k, float alpha, long a, int lda,
                                                  long strideA, long b, int ldb, long strideB, float beta, long c,
                                                  int ldc, long strideC, int batch) {
            batchedCalls++;
            for (int i = 0; i < batch; i++)
                gemm(opA, opB, m, n, k, alpha, a + 4 * i * strideA, lda, b + 4 * i * strideB, ldb, beta,
                        c + 4 * i * strideC, ldc);
        }

        private static void gemm(int opA, int opB, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
                                 float beta, long c, int ldc) {
            assertTrue(lda >= Math.max(1, opA == OP_N ? m : k), "lda " + lda);
            assertTrue(ldb >= Math.max(1, opB == OP_N ? k : n), "ldb " + ldb);
            assertTrue(ldc >= Math.max(1, m), "ldc " + ldc);
            MemorySegment A = MemorySegment.ofAddress(a).reinterpret(Long.MAX_VALUE);
            MemorySegment B = MemorySegment.ofAddress(b).reinterpret(Long.MAX_VALUE);
            MemorySegment C = MemorySegment.ofAddress(c).reinterpret(Long.MAX_VALUE);
            for (int j = 0; j < n; j++) {
                for (int i = 0; i < m; i++) {
                    float s = 0;
                    for (int p = 0; p < k; p++) {
                        float av = A.getAtIndex(ValueLayout.JAVA_FLOAT, opA == OP_N ? i + (long) p * lda : p + (long) i * lda);
                        float bv = B.getAtIndex(ValueLayout.JAVA_FLOAT, opB == OP_N ? p + (long) j * ldb : j + (long) p * ldb);
                        s += av * bv;
                    }
                    long ci = i + (long) j * ldc;
                    float old = beta == 0 ? 0 : C.getAtIndex(ValueLayout.JAVA_FLOAT, ci);
                    C.setAtIndex(ValueLayout.JAVA_FLOAT, ci, alpha * s + beta * old);
                }
            }
        }

        @Override public void close() {}
    }

    static long hostAddress(Tensor t) { return ((CpuStorage) t.storage()).segment().address(); }

    /** out = a @ b by definition, on row-major copies. */
    static float[] naiveMatmul(Tensor a, Tensor b) {
        int r = a.dim(), m = a.size(-2), k = a.size(-1), n = b.size(-1);
        float[] av = a.contiguous().toFloatArray(), bv = b.contiguous().toFloatArray();
        long batches = a.numel() / ((long) m * k);
        float[] out = new float[(int) (batches * m * n)];
        for (int bi = 0; bi < batches; bi++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    float s = 0;
                    for (int p = 0; p < k; p++) s += av[bi * m * k + i * k + p] * bv[bi * k * n + p * n + j];
                    out[bi * m * n + i * n + j] = s;
                }
        return out;
    }

    static Tensor outFor(Tensor a, Tensor b) {
        int[] s = a.shape();
        s[s.length - 1] = b.size(-1);
        return Tensor.full(Float.NaN, s);                       // poisoned: every element must be written
    }

    static HostCublas check(Tensor a, Tensor b) {
        HostCublas blas = new HostCublas();
        Tensor out = outFor(a, b);
        CudaGemm.run(blas, a, b, out, false, CudaGemmTest::hostAddress);
        float[] want = naiveMatmul(a, b), got = out.toFloatArray();
        for (int i = 0; i < want.length; i++)
            assertEquals(want[i], got[i], 1e-4f * (1 + Math.abs(want[i])), "element " + i + " of " + a + " @ " + b);
        return blas;
    }

    static Tensor rnd(long seed, int... shape) { return Tensor.rand(seed, -1f, 1f, rlhf4j.tensor.Device.CPU, shape); }

    @Test void plainAndTransposedOperandsWithoutCopies() {
        check(rnd(1, 3, 4), rnd(2, 4, 5));
        check(rnd(3, 4, 3).mT(), rnd(4, 4, 5));                 // a stored transposed
        check(rnd(5, 3, 4), rnd(6, 5, 4).mT());                 // b stored transposed (x @ Wᵀ, a Linear layer)
        check(rnd(7, 4, 3).mT(), rnd(8, 5, 4).mT());
        check(rnd(9, 1, 4), rnd(10, 4, 1));                     // vectors: leading dims still valid
        check(rnd(11, 6, 10).narrow(1, 2, 4), rnd(12, 4, 7));   // a row-strided view (ld > K)
    }

    @Test void uniformBatchesAreOneStridedBatchedCall() {
        HostCublas blas = check(rnd(13, 2, 3, 4, 5), rnd(14, 2, 3, 5, 2));
        assertEquals(1, blas.batchedCalls);
        assertEquals(0, blas.gemmCalls);
        // a weight shared by every batch: stride 0
        blas = check(rnd(15, 2, 3, 4, 5), rnd(16, 5, 2).expand(2, 3, 5, 2));
        assertEquals(1, blas.batchedCalls);
        // attention scores q @ kᵀ with heads split from a (B, T, H, D) tensor: uniform over H only, not (B, H)
        Tensor q = rnd(17, 2, 4, 3, 8).transpose(1, 2);        // (B=2, H=3, T=4, D=8), strides (96, 8, 24, 1)
        Tensor k = rnd(18, 2, 4, 3, 8).transpose(1, 2).mT();   // (2, 3, 8, 4)
        blas = check(q, k);
        assertEquals(0, blas.batchedCalls);
        assertEquals(6, blas.gemmCalls, "non-uniform batch strides fall back to one GEMM per matrix");
    }

    @Test void accumulateAddsToOut() {
        Tensor a = rnd(19, 3, 4), b = rnd(20, 4, 2);
        Tensor out = Tensor.full(1.5, 3, 2);
        CudaGemm.run(new HostCublas(), a, b, out, true, CudaGemmTest::hostAddress);
        float[] want = naiveMatmul(a, b), got = out.toFloatArray();
        for (int i = 0; i < want.length; i++) assertEquals(want[i] + 1.5f, got[i], 1e-5f);
    }

    @Test void operandDecisions() {
        assertEquals(new CudaGemm.Operand(false, 5), CudaGemm.Operand.of(5, 1, 3, 5));   // row-major
        assertEquals(new CudaGemm.Operand(false, 9), CudaGemm.Operand.of(9, 1, 3, 5));   // padded rows
        assertEquals(new CudaGemm.Operand(true, 3), CudaGemm.Operand.of(1, 3, 3, 5));    // transposed view
        assertNull(CudaGemm.Operand.of(10, 2, 3, 5), "every-other column: must be copied");
        assertNull(CudaGemm.Operand.of(0, 0, 3, 5), "a broadcast matrix: must be copied");
        assertEquals(new CudaGemm.Operand(false, 5), CudaGemm.Operand.of(0, 1, 1, 5));   // one row: any row stride
        assertEquals(CublasApi.OP_T, CudaGemm.Operand.of(1, 3, 3, 5).cublasOp());
    }

    @Test void batchStrideUniformity() {
        assertEquals(0, CudaGemm.uniformBatchStride(new int[]{}, new long[]{}));
        assertEquals(20, CudaGemm.uniformBatchStride(new int[]{2, 3}, new long[]{60, 20}));
        assertEquals(0, CudaGemm.uniformBatchStride(new int[]{2, 3}, new long[]{0, 0}));
        assertEquals(20, CudaGemm.uniformBatchStride(new int[]{2, 1, 3}, new long[]{60, 999, 20}), "size-1 dims ignored");
        assertEquals(-1, CudaGemm.uniformBatchStride(new int[]{2, 3}, new long[]{96, 8}));
        assertEquals(-1, CudaGemm.uniformBatchStride(new int[]{2, 3}, new long[]{20, 0}));
    }
}
