// LayerNorm and RMSNorm over the last dim, forward and backward. x is (N, C) contiguous; one block per row for
// the per-row work, one thread per column for the parameter gradients (summed over rows without atomics).
#include "common.cuh"

// out = (x − mean)·rstd·w + b with mean, rstd = 1/√(var + eps) saved per row (biased variance, as PyTorch).
extern "C" __global__ void layernorm_forward(long long N, long long C, float eps, const float* x, const float* w,
                                             const float* b, float* out, float* mean, float* rstd) {
    for (long long row = blockIdx.x; row < N; row += gridDim.x) {
        const float* xr = x + row * C;
        float s = 0.f;
        for (long long j = threadIdx.x; j < C; j += blockDim.x) s += xr[j];
        float mu = block_sum(s) / (float)C;
        float q = 0.f;                                              // two passes: no cancellation in E[x²] − E[x]²
        for (long long j = threadIdx.x; j < C; j += blockDim.x) { float d = xr[j] - mu; q += d * d; }
        float r = rsqrtf(block_sum(q) / (float)C + eps);
        for (long long j = threadIdx.x; j < C; j += blockDim.x) out[row * C + j] = (xr[j] - mu) * r * w[j] + b[j];
        if (threadIdx.x == 0) { mean[row] = mu; rstd[row] = r; }
    }
}

// With x̂ = (x − mean)·rstd and g = dy·w:  dx = rstd · (g − mean(g) − x̂ · mean(g·x̂)).
extern "C" __global__ void layernorm_backward_input(long long N, long long C, const float* dy, const float* x,
                                                    const float* w, const float* mean, const float* rstd,
                                                    float* dx) {
    for (long long row = blockIdx.x; row < N; row += gridDim.x) {
        const float* xr = x + row * C;
        const float* gr = dy + row * C;
        float mu = mean[row], r = rstd[row];
        float sg = 0.f, sgx = 0.f;
        for (long long j = threadIdx.x; j < C; j += blockDim.x) {
            float g = gr[j] * w[j];
            sg += g;
            sgx += g * (xr[j] - mu) * r;
        }
        float mean_g = block_sum(sg) / (float)C;
        float mean_gx = block_sum(sgx) / (float)C;
        for (long long j = threadIdx.x; j < C; j += blockDim.x) {
            float xhat = (xr[j] - mu) * r;
            dx[row * C + j] = r * (gr[j] * w[j] - mean_g - xhat * mean_gx);
        }
    }
}

// dw[j] += Σ_rows dy·x̂ and db[j] += Σ_rows dy (accumulated, so several calls add up).
extern "C" __global__ void layernorm_backward_params(long long N, long long C, const float* dy, const float* x,
                                                     const float* mean, const float* rstd, float* dw, float* db) {
    GRID_STRIDE_LOOP(j, C) {
        float sw = 0.f, sb = 0.f;
        for (long long row = 0; row < N; row++) {
            float g = dy[row * C + j];
            sw += g * (x[row * C + j] - mean[row]) * rstd[row];
            sb += g;
        }
        dw[j] += sw;
        db[j] += sb;
    }
}

// out = x·rstd·w with rstd = 1/√(mean(x²) + eps) saved per row.
extern "C" __global__ void rmsnorm_forward(long long N, long long C, float eps, const float* x, const float* w,
                                           float* out, float* rstd) {
    for (long long row = blockIdx.x; row < N; row += gridDim.x) {
        const float* xr = x + row * C;
        float q = 0.f;
        for (long long j = threadIdx.x; j < C; j += blockDim.x) q += xr[j] * xr[j];
        float r = rsqrtf(block_sum(q) / (float)C + eps);
        for (long long j = threadIdx.x; j < C; j += blockDim.x) out[row * C + j] = xr[j] * r * w[j];
        if (threadIdx.x == 0) rstd[row] = r;
    }
}

// dx_j = rstd·w_j·dy_j − x_j · rstd³ · mean(dy·w·x)
extern "C" __global__ void rmsnorm_backward_input(long long N, long long C, const float* dy, const float* x,
                                                  const float* w, const float* rstd, float* dx) {
    for (long long row = blockIdx.x; row < N; row += gridDim.x) {
        const float* xr = x + row * C;
        const float* gr = dy + row * C;
        float r = rstd[row];
        float s = 0.f;
        for (long long j = threadIdx.x; j < C; j += blockDim.x) s += gr[j] * w[j] * xr[j];
        float mean_gx = block_sum(s) / (float)C;
        for (long long j = threadIdx.x; j < C; j += blockDim.x)
            dx[row * C + j] = r * w[j] * gr[j] - xr[j] * r * r * r * mean_gx;
    }
}

// dw[j] += Σ_rows dy·x·rstd
extern "C" __global__ void rmsnorm_backward_params(long long N, long long C, const float* dy, const float* x,
                                                   const float* rstd, float* dw) {
    GRID_STRIDE_LOOP(j, C) {
        float s = 0.f;
        for (long long row = 0; row < N; row++) s += dy[row * C + j] * x[row * C + j] * rstd[row];
        dw[j] += s;
    }
}
