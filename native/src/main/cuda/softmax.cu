// Softmax and log-softmax along the last dim, forward and backward. x is (rows, C) contiguous; one block per row.
// Stable: the row max is subtracted before exponentiating.
#include "common.cuh"

// y = softmax(x) = e^(x − max) / Σ e^(x − max), or log_softmax(x) = x − max − log Σ e^(x − max).
extern "C" __global__ void softmax_forward(long long rows, long long C, int log_softmax,
                                           const float* x, float* y) {
    for (long long row = blockIdx.x; row < rows; row += gridDim.x) {
        const float* xr = x + row * C;
        float* yr = y + row * C;
        float m = -INFINITY;
        for (long long j = threadIdx.x; j < C; j += blockDim.x) m = max_nan(m, xr[j]);
        m = block_max(m);
        float s = 0.f;
        for (long long j = threadIdx.x; j < C; j += blockDim.x) s += expf(xr[j] - m);
        s = block_sum(s);
        if (log_softmax) {
            float log_s = logf(s);
            for (long long j = threadIdx.x; j < C; j += blockDim.x) yr[j] = xr[j] - m - log_s;
        } else {
            float inv = 1.f / s;
            for (long long j = threadIdx.x; j < C; j += blockDim.x) yr[j] = expf(xr[j] - m) * inv;
        }
    }
}

// softmax:     dx = y · (dy − Σ dy·y)
// log_softmax: dx = dy − e^y · Σ dy
extern "C" __global__ void softmax_backward(long long rows, long long C, int log_softmax,
                                            const float* y, const float* dy, float* dx) {
    for (long long row = blockIdx.x; row < rows; row += gridDim.x) {
        const float* yr = y + row * C;
        const float* gr = dy + row * C;
        float* dr = dx + row * C;
        float s = 0.f;
        for (long long j = threadIdx.x; j < C; j += blockDim.x) s += log_softmax ? gr[j] : gr[j] * yr[j];
        s = block_sum(s);
        for (long long j = threadIdx.x; j < C; j += blockDim.x)
            dr[j] = log_softmax ? gr[j] - expf(yr[j]) * s : yr[j] * (gr[j] - s);
    }
}
