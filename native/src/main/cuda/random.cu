// Counter-based random numbers and dropout. Value i of stream seed is a pure function of (seed, i): the same
// function as rlhf4j.tensor.CounterRng (SplitMix64's finaliser), so CPU and GPU draw the same numbers. Uniform
// values are bit-identical; the float arithmetic uses explicit round-to-nearest intrinsics so nvcc cannot fuse it
// into an FMA that Java would not do.
#include "common.cuh"

__device__ __forceinline__ unsigned long long mix(unsigned long long z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// 64 random bits for counter i of stream seed (wrapping arithmetic, as Java's long).
__device__ __forceinline__ unsigned long long counter_bits(unsigned long long seed, unsigned long long i) {
    return mix(mix(seed) + (i + 1ull) * 0x9E3779B97F4A7C15ull);
}

// Uniform in [0, 1) from the top 24 bits: exactly representable, identical to CounterRng.uniform.
__device__ __forceinline__ float counter_uniform(unsigned long long seed, unsigned long long i) {
    return __fmul_rn((float)(counter_bits(seed, i) >> 40), 0x1.0p-24f);
}

// Box-Muller in double from counters 2i and 2i+1, as CounterRng.normal.
__device__ __forceinline__ float counter_normal(unsigned long long seed, unsigned long long i) {
    double u1 = 1.0 - (double)counter_uniform(seed, 2 * i);      // (0, 1], so the log is finite
    double u2 = (double)counter_uniform(seed, 2 * i + 1);
    return (float)(sqrt(-2.0 * log(u1)) * cos(2.0 * 3.141592653589793 * u2));
}

// out[i] = lo + (hi − lo)·u(seed, i); out contiguous.
extern "C" __global__ void random_uniform(long long n, unsigned long long seed, float lo, float hi, float* out) {
    float span = __fsub_rn(hi, lo);
    GRID_STRIDE_LOOP(i, n) out[i] = __fadd_rn(lo, __fmul_rn(span, counter_uniform(seed, i)));
}

// out[i] = mean + std·normal(seed, i); out contiguous.
extern "C" __global__ void random_normal(long long n, unsigned long long seed, float mean, float std, float* out) {
    GRID_STRIDE_LOOP(i, n) out[i] = __fadd_rn(mean, __fmul_rn(std, counter_normal(seed, i)));
}

// Inverted dropout: mask[i] = 1/(1−p) if u(seed, i) ≥ p else 0; out[i] = x[i]·mask[i]. out, mask contiguous.
extern "C" __global__ void dropout_forward(long long n, float p, unsigned long long seed, Layout lx, const float* x,
                                           float* out, float* mask) {
    float keep_scale = __fdiv_rn(1.f, __fsub_rn(1.f, p));
    GRID_STRIDE_LOOP(i, n) {
        float m = counter_uniform(seed, i) >= p ? keep_scale : 0.f;
        mask[i] = m;
        out[i] = __fmul_rn(x[element_offset(lx, i)], m);
    }
}
