// A tiny host emulation of the CUDA features the kernels in native/src/main/cuda use, so their logic (indexing,
// reductions, NaN handling, atomics) can be tested on a machine without a GPU. The CUDA threads of a block are
// fibers on the calling OS thread, run round-robin: __syncthreads switches to the next fiber, so every thread
// reaches a barrier before any passes it. Each fiber is created once (makecontext/swapcontext onto its own stack)
// and then serves thread after thread of launch after launch; every switch is a _setjmp/_longjmp, without the
// signal-mask system calls of getcontext/swapcontext (they were most of the emulation's time). Shuffles go through a block-wide buffer between two barriers (the
// kernels only shuffle with every thread of the block taking part), __shared__ variables are statics, and blocks
// run one after another. It checks logic, not performance or the memory model of a real GPU.
#pragma once
#undef _FORTIFY_SOURCE                    // its longjmp check rejects the jumps between fiber stacks
#include <atomic>
#include <csetjmp>
#include <cmath>
#include <cstring>
#include <functional>
#include <vector>
#include <ucontext.h>

struct dim3 { unsigned x = 1, y = 1, z = 1; };
inline dim3 blockIdx, blockDim, gridDim, threadIdx;
inline float emu_shuffle[1024];

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static

struct EmuFiber {
    ucontext_t context;                                   // where the fiber was first started
    jmp_buf resume;                                       // where it waits: at a barrier, or idle between threads
    std::vector<char> stack = std::vector<char>(64 << 10);
    bool created = false, done = true;
};
inline std::vector<EmuFiber>& emu_fibers = *new std::vector<EmuFiber>(1024);
inline ucontext_t emu_scheduler;
inline jmp_buf emu_scheduler_resume;
inline unsigned emu_current;
inline const std::function<void()>* emu_body;

// On a fiber: wait until the scheduler resumes it.
inline void emu_park() {
    if (!_setjmp(emu_fibers[emu_current].resume)) _longjmp(emu_scheduler_resume, 1);
}

// All threads of the block reach this point before any continues: yield to the scheduler.
inline void __syncthreads() { emu_park(); }

inline void emu_fiber_main() {
    for (;;) {                                            // one CUDA thread per pass
        emu_park();
        (*emu_body)();
        emu_fibers[emu_current].done = true;
    }
}

// Starts fiber t on its stack, where it parks at once.
inline void emu_create_fiber(unsigned t) {
    EmuFiber& f = emu_fibers[t];
    getcontext(&f.context);
    f.context.uc_stack.ss_sp = f.stack.data();
    f.context.uc_stack.ss_size = f.stack.size();
    f.context.uc_link = nullptr;                          // emu_fiber_main never returns
    makecontext(&f.context, emu_fiber_main, 0);
    f.created = true;
    emu_current = t;
    if (_setjmp(emu_scheduler_resume)) return;            // parked
    swapcontext(&emu_scheduler, &f.context);
}

// Runs fiber t until its thread reaches a barrier or ends.
inline void emu_run_fiber(unsigned t) {
    emu_current = t;
    threadIdx.x = t;
    if (_setjmp(emu_scheduler_resume)) return;            // back from the fiber
    _longjmp(emu_fibers[t].resume, 1);
}

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
// PTX cvt.rzi.s32.f32: toward zero, saturating, NaN -> 0 (C++'s cast is undefined there)
inline int __float2int_rz(float f) {
    if (f != f) return 0;
    if (f >= 2147483648.f) return 2147483647;
    if (f <= -2147483648.f) return (int)0x80000000u;
    return (int)f;
}

inline float atomicAdd(float* p, float v) { float old = *p; *p = old + v; return old; }   // one OS thread
inline int atomicCAS(int* p, int expected, int desired) {
    int old = *p;
    if (old == expected) *p = desired;
    return old;
}

// Runs body as a grid of `blocks` blocks of `threads` threads.
inline void emu_launch(unsigned blocks, unsigned threads, const std::function<void()>& body) {
    gridDim.x = blocks;
    blockDim.x = threads;
    emu_body = &body;
    for (unsigned b = 0; b < blocks; b++) {
        blockIdx.x = b;
        for (unsigned t = 0; t < threads; t++) {
            if (!emu_fibers[t].created) emu_create_fiber(t);
            emu_fibers[t].done = false;
        }
        for (bool running = true; running;) {             // one round = every thread runs to its next barrier
            running = false;
            for (unsigned t = 0; t < threads; t++) {
                if (emu_fibers[t].done) continue;
                emu_run_fiber(t);
                running |= !emu_fibers[t].done;
            }
        }
    }
}
