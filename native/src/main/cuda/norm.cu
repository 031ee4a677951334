// LayerNorm and RMSNorm over the last dim, forward and backward. x is (N, C) contiguous; one block per row for
// the per-row work. The parameter gradients are column sums over all N rows, reduced in two stages without
// atomics (so the bits repeat run after run): *_params_partial sums each chunk of rows into a (chunks, C) scratch
// buffer, then sum_partials adds the chunks' sums into the gradient.
#include "common.cuh"

// The work of a *_params_partial block: one chunk of rows times one tile of 32 columns. Lane l of every warp takes
// column tile·32 + l (a warp reads 32 neighbouring floats of a row: coalesced), warp w the rows r0 + w, r0 + w +
// warps, ... of the chunk.
struct ChunkTile {
    long long chunk, column, first_row, end_row;
};

__device__ __forceinline__ ChunkTile chunk_tile(long long item, long long N, long long C, long long chunk_rows) {
    long long tiles = (C + 31) / 32;
    ChunkTile t;
    t.chunk = item / tiles;
    t.column = (item % tiles) * 32 + (threadIdx.x & 31);
    t.first_row = t.chunk * chunk_rows + (threadIdx.x >> 5);
    long long end = (t.chunk + 1) * chunk_rows;
    t.end_row = end < N ? end : N;
    return t;
}

// The block's per-warp sums of one column added in warp order (a fixed order); valid in warp 0.
__device__ __forceinline__ float sum_over_warps(float v, float (*scratch)[33]) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    __syncthreads();                      // scratch may still be read for the previous item
    scratch[warp][lane] = v;
    __syncthreads();
    float s = 0.f;
    if (warp == 0)
        for (int k = 0; k < warps; k++) s += scratch[k][lane];
    return s;
}

// Stage 2 of the parameter gradients: out[j] += Σ_chunks partial[chunk·C + j], the chunks in order.
extern "C" __global__ void sum_partials(long long chunks, long long C, const float* partial, float* out) {
    GRID_STRIDE_LOOP(j, C) {
        float s = 0.f;
        for (long long k = 0; k < chunks; k++) s += partial[k * C + j];
        out[j] += s;
    }
}

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

// Stage 1 of dw[j] += Σ_rows dy·x̂ and db[j] += Σ_rows dy: partial_w, partial_b (chunks, C) get each chunk of
// chunk_rows rows' sums; sum_partials then adds them up (accumulating, so several calls add up).
extern "C" __global__ void layernorm_params_partial(long long N, long long C, long long chunk_rows, const float* dy,
                                                    const float* x, const float* mean, const float* rstd,
                                                    float* partial_w, float* partial_b) {
    __shared__ float scratch_w[32][33], scratch_b[32][33];          // [warp][lane], padded against bank conflicts
    long long chunks = (N + chunk_rows - 1) / chunk_rows, items = chunks * ((C + 31) / 32);
    int warps = blockDim.x >> 5;
    for (long long item = blockIdx.x; item < items; item += gridDim.x) {
        ChunkTile t = chunk_tile(item, N, C, chunk_rows);
        float sw = 0.f, sb = 0.f;
        if (t.column < C)
            for (long long row = t.first_row; row < t.end_row; row += warps) {
                float g = dy[row * C + t.column];
                sw += g * (x[row * C + t.column] - mean[row]) * rstd[row];
                sb += g;
            }
        sw = sum_over_warps(sw, scratch_w);
        sb = sum_over_warps(sb, scratch_b);
        if (threadIdx.x < 32 && t.column < C) {
            partial_w[t.chunk * C + t.column] = sw;
            partial_b[t.chunk * C + t.column] = sb;
        }
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

// Stage 1 of dw[j] += Σ_rows dy·x·rstd: partial_w (chunks, C) gets each chunk of chunk_rows rows' sums;
// sum_partials then adds them up.
extern "C" __global__ void rmsnorm_params_partial(long long N, long long C, long long chunk_rows, const float* dy,
                                                  const float* x, const float* rstd, float* partial_w) {
    __shared__ float scratch_w[32][33];
    long long chunks = (N + chunk_rows - 1) / chunk_rows, items = chunks * ((C + 31) / 32);
    int warps = blockDim.x >> 5;
    for (long long item = blockIdx.x; item < items; item += gridDim.x) {
        ChunkTile t = chunk_tile(item, N, C, chunk_rows);
        float s = 0.f;
        if (t.column < C)
            for (long long row = t.first_row; row < t.end_row; row += warps)
                s += dy[row * C + t.column] * x[row * C + t.column] * rstd[row];
        s = sum_over_warps(s, scratch_w);
        if (threadIdx.x < 32 && t.column < C) partial_w[t.chunk * C + t.column] = s;
    }
}
