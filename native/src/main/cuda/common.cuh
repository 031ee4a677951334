// Shared by every kernel file: the strided layout passed by value from Java, the grid-stride loop, and
// block-wide reductions. Included (not compiled on its own); its hash is recorded in each .ptx that uses it.
#pragma once

#define MAX_DIMS 8

// One operand's view: element (i0, ..., i_{rank-1}) lives at offset + Σ ik · stride[k] (in elements).
// Packed by rlhf4j.cuda.KernelLayout: 8 sizes, 8 strides, offset, rank, padding = 144 bytes, little-endian.
struct Layout {
    long long size[MAX_DIMS];
    long long stride[MAX_DIMS];
    long long offset;
    int rank;
    int pad;
};

// Storage offset of the i-th element in row-major order of the layout's shape.
__device__ __forceinline__ long long element_offset(const Layout& l, long long i) {
    long long off = l.offset;
    for (int d = l.rank - 1; d >= 0; d--) {
        long long n = l.size[d];
        off += (i % n) * l.stride[d];
        i /= n;
    }
    return off;
}

// Each thread visits i, i + gridSize, ...: any n works with any (capped) grid.
#define GRID_STRIDE_LOOP(i, n) \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
         i += (long long)blockDim.x * gridDim.x)

// Sum over the block; every thread gets the result. blockDim.x is a multiple of 32 and at most 1024.
__device__ __forceinline__ float block_sum(float v) {
    __shared__ float partial[32];
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    __syncthreads();                      // partial[] may still be read by a previous call
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    int warps = blockDim.x >> 5;
    v = lane < warps ? partial[lane] : 0.f;
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// NaN-propagating max and min, as the CPU backend does (fmaxf would drop a NaN).
__device__ __forceinline__ float max_nan(float a, float b) { return (a != a || a > b) ? a : b; }
__device__ __forceinline__ float min_nan(float a, float b) { return (a != a || a < b) ? a : b; }

// Max over the block; every thread gets the result.
__device__ __forceinline__ float block_max(float v) {
    __shared__ float partial[32];
    for (int o = 16; o > 0; o >>= 1) v = max_nan(v, __shfl_xor_sync(0xffffffffu, v, o));
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    __syncthreads();
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    int warps = blockDim.x >> 5;
    v = lane < warps ? partial[lane] : -INFINITY;
    for (int o = 16; o > 0; o >>= 1) v = max_nan(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Index errors (an id outside its range) cannot throw on the device: the first one is recorded in a small
// device buffer { op code, bad value } that the host checks at its next synchronisation.
__device__ __forceinline__ void report_index_error(int* error, int op_code, long long bad_value) {
    if (atomicCAS(error, 0, op_code) == 0) error[1] = (int)bad_value;
}
