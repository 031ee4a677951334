// A stand-in for libcublas.so.13 that runs on the CPU: the entry points FfmCublasApi binds, with cuBLAS's
// documented C signatures, doing column-major GEMM on host memory. It lets FfmCublasApitest check the FFM
// downcalls (argument order and types, host-pointer alpha/beta, math mode, compute type) without a GPU.
#include <stdint.h>
#include <stdlib.h>

typedef struct { int math_mode; void* stream; } fake_handle;
static int last_compute_type = -1, gemm_calls = 0, batched_calls = 0;

int fake_last_compute_type(void) { return last_compute_type; }
int fake_gemm_calls(void) { return gemm_calls; }
int fake_batched_calls(void) { return batched_calls; }

int cublasCreate_v2(void** handle) {
    fake_handle* h = calloc(1, sizeof(fake_handle));
    *handle = h;
    return 0;
}

int cublasDestroy_v2(void* handle) { free(handle); return 0; }

int cublasSetStream_v2(void* handle, void* stream) { ((fake_handle*)handle)->stream = stream; return 0; }

int cublasSetMathMode(void* handle, int mode) {
    if (mode != 0 && mode != 3) return 7;                       // CUBLAS_STATUS_INVALID_VALUE
    ((fake_handle*)handle)->math_mode = mode;
    return 0;
}

static void gemm(int ta, int tb, int m, int n, int k, float alpha, const float* A, int lda, const float* B, int ldb,
                 float beta, float* C, int ldc) {
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++) {
            float s = 0;
            for (int p = 0; p < k; p++)
                s += (ta ? A[p + (int64_t)i * lda] : A[i + (int64_t)p * lda]) * (tb ? B[j + (int64_t)p * ldb] : B[p + (int64_t)j * ldb]);
            float old = beta == 0 ? 0 : C[i + (int64_t)j * ldc];
            C[i + (int64_t)j * ldc] = alpha * s + beta * old;
        }
}

static int bad_dims(int ta, int tb, int m, int n, int k, int lda, int ldb, int ldc) {
    return m < 0 || n < 0 || k < 0 || lda < (ta ? k : m) || ldb < (tb ? n : k) || ldc < m || lda < 1 || ldb < 1 || ldc < 1;
}

int cublasSgemm_v2(void* handle, int transa, int transb, int m, int n, int k, const float* alpha, const float* A,
                   int lda, const float* B, int ldb, const float* beta, float* C, int ldc) {
    if (handle == NULL || bad_dims(transa, transb, m, n, k, lda, ldb, ldc)) return 7;
    gemm_calls++;
    gemm(transa, transb, m, n, k, *alpha, A, lda, B, ldb, *beta, C, ldc);
    return 0;
}

int cublasGemmStridedBatchedEx(void* handle, int transa, int transb, int m, int n, int k, const void* alpha,
                               const void* A, int Atype, int lda, long long strideA, const void* B, int Btype, int ldb,
                               long long strideB, const void* beta, void* C, int Ctype, int ldc, long long strideC,
                               int batchCount, int computeType, int algo) {
    if (handle == NULL || Atype != 0 || Btype != 0 || Ctype != 0 || algo != -1) return 7;   // CUDA_R_32F, DEFAULT
    if (bad_dims(transa, transb, m, n, k, lda, ldb, ldc)) return 7;
    last_compute_type = computeType;
    batched_calls++;
    for (int b = 0; b < batchCount; b++)
        gemm(transa, transb, m, n, k, *(const float*)alpha, (const float*)A + b * strideA, lda,
             (const float*)B + b * strideB, ldb, *(const float*)beta, (float*)C + b * strideC, ldc);
    return 0;
}
