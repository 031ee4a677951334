// Fused cross-entropy over logits (N, V) contiguous with I32 targets (N); one block per row.
// loss = logsumexp(x) − x[target], 0 where target == ignore_index. The backward reuses the saved logsumexp.
#include "common.cuh"

#define OP_CROSS_ENTROPY 5   // index-error code (rlhf4j.cuda.IndexErrors)

extern "C" __global__ void cross_entropy_forward(long long N, long long V, int ignore_index, const float* logits,
                                                 const int* targets, float* losses, float* logsumexp,
                                                 int* error) {
    for (long long row = blockIdx.x; row < N; row += gridDim.x) {
        const float* xr = logits + row * V;
        float m = -INFINITY;
        for (long long j = threadIdx.x; j < V; j += blockDim.x) m = max_nan(m, xr[j]);
        m = block_max(m);
        float s = 0.f;
        for (long long j = threadIdx.x; j < V; j += blockDim.x) s += expf(xr[j] - m);
        float lse = m + logf(block_sum(s));
        if (threadIdx.x == 0) {
            int t = targets[row];
            logsumexp[row] = lse;
            if (t == ignore_index) losses[row] = 0.f;
            else if (t < 0 || t >= V) { report_index_error(error, OP_CROSS_ENTROPY, t); losses[row] = __int_as_float(0x7fc00000); }
            else losses[row] = lse - xr[t];
        }
    }
}

// dlogits[i, j] = dlosses[i] · (e^(x[i, j] − lse[i]) − [j == target[i]]), 0 for ignored rows.
extern "C" __global__ void cross_entropy_backward(long long N, long long V, int ignore_index, const float* logits,
                                                  const int* targets, const float* logsumexp,
                                                  const float* dlosses, float* dlogits) {
    for (long long row = blockIdx.x; row < N; row += gridDim.x) {
        int t = targets[row];
        float g = t == ignore_index ? 0.f : dlosses[row];
        float lse = logsumexp[row];
        for (long long j = threadIdx.x; j < V; j += blockDim.x) {
            float p = expf(logits[row * V + j] - lse);
            dlogits[row * V + j] = g * (p - (j == t ? 1.f : 0.f));
        }
    }
}
