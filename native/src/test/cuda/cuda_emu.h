// A tiny host emulation of the CUDA features the kernels in native/src/main/cuda use, so their logic (indexing,
// reductions, NaN handling, atomics) can be tested on a machine without a GPU: every CUDA thread of a block is a
// std::thread, blocks run one after another, __syncthreads is a barrier, shuffles go through a block-wide buffer
// (the kernels only shuffle with every thread of the block taking part), and __shared__ variables are statics.
// It checks logic, not performance or the memory model of a real GPU.
#pragma once
#include <atomic>
#include <barrier>
#include <condition_variable>
#include <mutex>
#include <cmath>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

struct dim3 { unsigned x = 1, y = 1, z = 1; };
inline dim3 blockIdx, blockDim, gridDim;
inline thread_local dim3 threadIdx;
inline std::barrier<>* emu_block_barrier = nullptr;
inline float emu_shuffle[1024];

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static

inline void __syncthreads() { emu_block_barrier->arrive_and_wait(); }

inline float __shfl_xor_sync(unsigned, float v, int lane_mask) {
    unsigned t = threadIdx.x;
    emu_shuffle[t] = v;
    __syncthreads();
    float r = emu_shuffle[(t & ~31u) | ((t & 31u) ^ (unsigned)lane_mask)];
    __syncthreads();
    return r;
}

inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
inline int __float_as_int(float f) { int i; std::memcpy(&i, &f, 4); return i; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float rsqrtf(float x) { return 1.f / std::sqrt(x); }

inline float atomicAdd(float* p, float v) { return std::atomic_ref<float>(*p).fetch_add(v); }
inline int atomicCAS(int* p, int expected, int desired) {
    std::atomic_ref<int>(*p).compare_exchange_strong(expected, desired);
    return expected;                                   // the old value, as CUDA's atomicCAS returns
}

// A pool of worker threads, one per CUDA thread of a block, reused for every block (creating threads per block
// would make larger launches crawl).
class EmuPool {
    std::vector<std::thread> workers;
    std::mutex mu;
    std::condition_variable start, done;
    unsigned generation = 0, active = 0, remaining = 0;
    const std::function<void()>* body = nullptr;

    void work(unsigned t) {
        unsigned seen = 0;
        for (;;) {
            std::unique_lock<std::mutex> lock(mu);
            start.wait(lock, [&] { return generation != seen; });
            seen = generation;
            if (t >= active) continue;
            lock.unlock();
            threadIdx.x = t;
            (*body)();
            lock.lock();
            if (--remaining == 0) done.notify_one();
        }
    }

public:
    void run_block(unsigned threads, const std::function<void()>& b) {
        std::unique_lock<std::mutex> lock(mu);
        while (workers.size() < threads) {
            unsigned t = (unsigned)workers.size();
            workers.emplace_back([this, t] { work(t); });
            workers.back().detach();
        }
        body = &b;
        active = remaining = threads;
        generation++;
        start.notify_all();
        done.wait(lock, [&] { return remaining == 0; });
    }
};

// Never destroyed: its detached workers wait on it until the process ends.
inline EmuPool& emu_pool = *new EmuPool;

// Runs body as a grid of `blocks` blocks of `threads` threads (blocks one after another).
inline void emu_launch(unsigned blocks, unsigned threads, const std::function<void()>& body) {
    gridDim.x = blocks;
    blockDim.x = threads;
    for (unsigned b = 0; b < blocks; b++) {
        blockIdx.x = b;
        std::barrier<> barrier((std::ptrdiff_t)threads);
        emu_block_barrier = &barrier;
        emu_pool.run_block(threads, body);
    }
}
