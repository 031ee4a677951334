// Causal attention mask: out = x except out[..., i, j] = value where j > i + offset (key j is in query i's
// future). x (..., T, S) may be any view; out is contiguous.
#include "common.cuh"

extern "C" __global__ void causal_mask(long long n, long long T, long long S, long long offset, float value,
                                       Layout lx, const float* x, float* out) {
    GRID_STRIDE_LOOP(e, n) {
        long long j = e % S, i = (e / S) % T;
        out[e] = j > i + offset ? value : x[element_offset(lx, e)];
    }
}
