package rlhf4j.cuda;

import static rlhf4j.cuda.CudaErrors.checkCublas;

import jcuda.Pointer;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.runtime.cudaStream_t;

/** cuBLAS through JCublas (its natives link libcublas.so.12). */
final class JCublasApi implements CublasApi {
    private static final int CUDA_R_32F = 0;
    private static final int CUBLAS_COMPUTE_32F = 68, CUBLAS_COMPUTE_32F_FAST_TF32 = 77;
    private static final int CUBLAS_DEFAULT_MATH = 0, CUBLAS_TF32_TENSOR_OP_MATH = 3;
    private static final int CUBLAS_GEMM_DEFAULT = -1;

    private final cublasHandle handle = new cublasHandle();
    private boolean tf32;

    JCublasApi(CudaStream stream) {
        JCublas2.setExceptionsEnabled(false);        // statuses are checked here, with the call's name
        checkCublas("cublasCreate_v2", JCublas2.cublasCreate(handle));
        checkCublas("cublasSetStream_v2", JCublas2.cublasSetStream(handle, new cudaStream_t(stream)));
        setTf32(false);
    }

    @Override public String name() { return "JCublas (libcublas.so.12)"; }

    @Override public void setTf32(boolean enabled) {
        checkCublas("cublasSetMathMode", JCublas2.cublasSetMathMode(handle,
                enabled ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
        tf32 = enabled;
    }

    @Override public void sgemm(int opA, int opB, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
                                float beta, long c, int ldc) {
        checkCublas("cublasSgemm_v2", JCublas2.cublasSgemm(handle, opA, opB, m, n, k, Pointer.to(new float[]{alpha}),
                DevicePointer.raw(a), lda, DevicePointer.raw(b), ldb, Pointer.to(new float[]{beta}),
                DevicePointer.raw(c), ldc));
    }

    @Override public void sgemmStridedBatched(int opA, int opB, int m, int n, int k, float alpha, long a, int lda,
                                              long strideA, long b, int ldb, long strideB, float beta, long c,
                                              int ldc, long strideC, int batch) {
        checkCublas("cublasGemmStridedBatchedEx", JCublas2.cublasGemmStridedBatchedEx(handle, opA, opB, m, n, k,
                Pointer.to(new float[]{alpha}), DevicePointer.raw(a), CUDA_R_32F, lda, strideA,
                DevicePointer.raw(b), CUDA_R_32F, ldb, strideB, Pointer.to(new float[]{beta}),
                DevicePointer.raw(c), CUDA_R_32F, ldc, strideC, batch,
                tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    }

    @Override public void close() { JCublas2.cublasDestroy(handle); }
}
