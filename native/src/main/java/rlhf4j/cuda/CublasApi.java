package rlhf4j.cuda;

/**
 * The few cuBLAS v2 entry points rlhf4j needs, over plain device addresses. Column-major, as cuBLAS itself:
 * C = alpha·op(A)·op(B) + beta·C with op(A) m×k, op(B) k×n, C m×n. {@link CudaGemm} maps row-major tensors onto it.
 *
 * <p>Two implementations: {@link JCublasApi} (JCublas, needs libcublas.so.12) and {@link FfmCublasApi} (binds
 * libcublas.so.13 with the FFM linker); {@link #load} picks the first that works.
 */
interface CublasApi extends AutoCloseable {
    int OP_N = 0;   // CUBLAS_OP_N
    int OP_T = 1;   // CUBLAS_OP_T

    String name();

    /** TF32 tensor cores on (faster, ~10-bit mantissa products) or strict FP32 (the default). */
    void setTf32(boolean enabled);

    void sgemm(int opA, int opB, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
               float beta, long c, int ldc);

    /** batch GEMMs; matrix i of each operand starts at its base address + i·stride (strides in elements). */
    void sgemmStridedBatched(int opA, int opB, int m, int n, int k, float alpha, long a, int lda, long strideA,
                             long b, int ldb, long strideB, float beta, long c, int ldc, long strideC, int batch);

    @Override void close();

    /** JCublas when libcublas.so.12 loads, else libcublas.so.13 through FFM; throws with both reasons if neither. */
    static CublasApi load(CudaStream stream) {
        String jcublasFailure, ffmFailure;
        try {
            return new JCublasApi(stream);
        } catch (Throwable t) {          // UnsatisfiedLinkError when libcublas.so.12 is absent
            jcublasFailure = t.toString();
        }
        try {
            return new FfmCublasApi(stream);
        } catch (Throwable t) {
            ffmFailure = t.toString();
        }
        throw new IllegalStateException("cuBLAS unavailable: JCublas (libcublas.so.12): " + jcublasFailure
                + "; FFM (libcublas.so.13): " + ffmFailure);
    }
}
