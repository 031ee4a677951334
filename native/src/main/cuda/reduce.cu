// Reductions over a set of dims. The host permutes the reduced dims last and makes x contiguous, so every output
// element reduces one contiguous row of length r (x is (rows, r), out is (rows)); one block per row.
#include "common.cuh"

// rlhf4j.tensor.ReduceOp, in declaration order.
enum ReduceOp { SUM, MEAN, MAX, MIN, ARGMAX };

// Which of two (value, index) candidates argmax keeps: a NaN wins (as on the CPU), then the larger value, then the
// smaller index, so the result is the first maximum whatever order the threads combine in.
__device__ __forceinline__ bool argmax_prefers(float v, int i, float bv, int bi) {
    bool vn = v != v, bn = bv != bv;
    if (vn != bn) return vn;
    if (!vn && v != bv) return v > bv;
    return i < bi;
}

extern "C" __global__ void reduce_rows(int op, long long rows, long long r, const float* x, void* out) {
    __shared__ float sv[1024];
    __shared__ int si[1024];
    for (long long row = blockIdx.x; row < rows; row += gridDim.x) {
        const float* xr = x + row * r;
        float acc = op == SUM || op == MEAN ? 0.f : (op == MIN ? INFINITY : -INFINITY);
        int best = 0x7fffffff;
        for (long long j = threadIdx.x; j < r; j += blockDim.x) {
            float v = xr[j];
            switch (op) {
                case SUM: case MEAN: acc += v; break;
                case MAX: acc = max_nan(acc, v); break;
                case MIN: acc = min_nan(acc, v); break;
                case ARGMAX: if (argmax_prefers(v, (int)j, acc, best)) { acc = v; best = (int)j; } break;
            }
        }
        sv[threadIdx.x] = acc;
        si[threadIdx.x] = best;
        __syncthreads();
        for (int s = blockDim.x / 2; s > 0; s >>= 1) {          // tree over shared memory; blockDim is a power of 2
            if (threadIdx.x < s) {
                float a = sv[threadIdx.x], b = sv[threadIdx.x + s];
                switch (op) {
                    case SUM: case MEAN: sv[threadIdx.x] = a + b; break;
                    case MAX: sv[threadIdx.x] = max_nan(a, b); break;
                    case MIN: sv[threadIdx.x] = min_nan(a, b); break;
                    case ARGMAX:
                        if (argmax_prefers(b, si[threadIdx.x + s], a, si[threadIdx.x])) {
                            sv[threadIdx.x] = b;
                            si[threadIdx.x] = si[threadIdx.x + s];
                        }
                        break;
                }
            }
            __syncthreads();
        }
        if (threadIdx.x == 0) {
            if (op == ARGMAX) ((int*)out)[row] = r == 0 ? 0 : si[0];
            else ((float*)out)[row] = op == MEAN ? sv[0] / (float)r : sv[0];
        }
        __syncthreads();                                        // sv[] is reused by the next row
    }
}
