// A stand-in for libcuda.so.1 that runs on the CPU, so the whole Java backend (JCuda calls, allocator, layouts,
// launches) and the GPU test suite can run on a machine without a GPU. "Device" memory is host memory, the
// stream is synchronous, and cuLaunchKernel runs the kernels' own CUDA C source on the emulator in cuda_emu.h.
// Only the driver entry points the backend uses exist; JCuda's library binds the others lazily and never calls
// them. Built by build-fakes.sh into target/fake-cuda/libcuda.so.1.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include "common.cuh"

typedef unsigned long long CUdeviceptr;

extern "C" {
void unary_f32(int, float, long long, Layout, const float*, Layout, float*);
void unary_backward_f32(int, float, long long, Layout, const float*, Layout, const float*, Layout, const float*, Layout, float*);
void binary_f32(int, long long, Layout, const float*, Layout, const float*, Layout, float*);
void where_f32(long long, int, Layout, const int*, Layout, const float*, Layout, const float*, Layout, float*);
void copy_convert(long long, int, int, Layout, const int*, Layout, int*);
void fill_words(long long, int, Layout, int*);
void reduce_rows(int, long long, long long, const float*, void*);
void softmax_forward(long long, long long, int, const float*, float*);
void softmax_backward(long long, long long, int, const float*, const float*, float*);
void layernorm_forward(long long, long long, float, const float*, const float*, const float*, float*, float*, float*);
void layernorm_backward_input(long long, long long, const float*, const float*, const float*, const float*, const float*, float*);
void layernorm_params_partial(long long, long long, long long, const float*, const float*, const float*, const float*, float*, float*);
void sum_partials(long long, long long, const float*, float*);
void rmsnorm_forward(long long, long long, float, const float*, const float*, float*, float*);
void rmsnorm_backward_input(long long, long long, const float*, const float*, const float*, const float*, float*);
void rmsnorm_params_partial(long long, long long, long long, const float*, const float*, const float*, float*);
void cross_entropy_forward(long long, long long, int, const float*, const int*, float*, float*, int*);
void cross_entropy_backward(long long, long long, int, const float*, const int*, const float*, const float*, float*);
void embedding_forward(long long, long long, long long, const float*, Layout, const int*, float*, int*);
void embedding_backward(long long, long long, long long, const float*, Layout, const int*, float*, int*);
void gather_dim(long long, int, Layout, const float*, Layout, const int*, float*, int*);
void scatter_add_dim(long long, int, Layout, const float*, Layout, const int*, Layout, float*, int*);
void random_uniform(long long, unsigned long long, float, float, float*);
void random_normal(long long, unsigned long long, float, float, float*);
void dropout_forward(long long, float, unsigned long long, Layout, const float*, float*, float*);
void causal_mask(long long, long long, long long, long long, float, Layout, const float*, float*);
void adamw_step(long long, float*, const float*, float*, float*, float, float, float, float, float, float, float);
}

// Argument i of a launch, as the kernel declares it.
#define A(i, T) (*(T*)p[i])
typedef const float* cf;
typedef float* f;
typedef const int* ci;
typedef long long ll;
typedef unsigned long long ull;

struct Kernel { void (*call)(void** p); };

static const std::map<std::string, Kernel> KERNELS = {
    {"unary_f32", {[](void** p) { unary_f32(A(0, int), A(1, float), A(2, ll), A(3, Layout), A(4, cf), A(5, Layout), A(6, f)); }}},
    {"unary_backward_f32", {[](void** p) { unary_backward_f32(A(0, int), A(1, float), A(2, ll), A(3, Layout), A(4, cf), A(5, Layout), A(6, cf), A(7, Layout), A(8, cf), A(9, Layout), A(10, f)); }}},
    {"binary_f32", {[](void** p) { binary_f32(A(0, int), A(1, ll), A(2, Layout), A(3, cf), A(4, Layout), A(5, cf), A(6, Layout), A(7, f)); }}},
    {"where_f32", {[](void** p) { where_f32(A(0, ll), A(1, int), A(2, Layout), A(3, ci), A(4, Layout), A(5, cf), A(6, Layout), A(7, cf), A(8, Layout), A(9, f)); }}},
    {"copy_convert", {[](void** p) { copy_convert(A(0, ll), A(1, int), A(2, int), A(3, Layout), A(4, ci), A(5, Layout), A(6, int*)); }}},
    {"fill_words", {[](void** p) { fill_words(A(0, ll), A(1, int), A(2, Layout), A(3, int*)); }}},
    {"reduce_rows", {[](void** p) { reduce_rows(A(0, int), A(1, ll), A(2, ll), A(3, cf), A(4, void*)); }}},
    {"softmax_forward", {[](void** p) { softmax_forward(A(0, ll), A(1, ll), A(2, int), A(3, cf), A(4, f)); }}},
    {"softmax_backward", {[](void** p) { softmax_backward(A(0, ll), A(1, ll), A(2, int), A(3, cf), A(4, cf), A(5, f)); }}},
    {"layernorm_forward", {[](void** p) { layernorm_forward(A(0, ll), A(1, ll), A(2, float), A(3, cf), A(4, cf), A(5, cf), A(6, f), A(7, f), A(8, f)); }}},
    {"layernorm_backward_input", {[](void** p) { layernorm_backward_input(A(0, ll), A(1, ll), A(2, cf), A(3, cf), A(4, cf), A(5, cf), A(6, cf), A(7, f)); }}},
    {"layernorm_params_partial", {[](void** p) { layernorm_params_partial(A(0, ll), A(1, ll), A(2, ll), A(3, cf), A(4, cf), A(5, cf), A(6, cf), A(7, f), A(8, f)); }}},
    {"sum_partials", {[](void** p) { sum_partials(A(0, ll), A(1, ll), A(2, cf), A(3, f)); }}},
    {"rmsnorm_forward", {[](void** p) { rmsnorm_forward(A(0, ll), A(1, ll), A(2, float), A(3, cf), A(4, cf), A(5, f), A(6, f)); }}},
    {"rmsnorm_backward_input", {[](void** p) { rmsnorm_backward_input(A(0, ll), A(1, ll), A(2, cf), A(3, cf), A(4, cf), A(5, cf), A(6, f)); }}},
    {"rmsnorm_params_partial", {[](void** p) { rmsnorm_params_partial(A(0, ll), A(1, ll), A(2, ll), A(3, cf), A(4, cf), A(5, cf), A(6, f)); }}},
    {"cross_entropy_forward", {[](void** p) { cross_entropy_forward(A(0, ll), A(1, ll), A(2, int), A(3, cf), A(4, ci), A(5, f), A(6, f), A(7, int*)); }}},
    {"cross_entropy_backward", {[](void** p) { cross_entropy_backward(A(0, ll), A(1, ll), A(2, int), A(3, cf), A(4, ci), A(5, cf), A(6, cf), A(7, f)); }}},
    {"embedding_forward", {[](void** p) { embedding_forward(A(0, ll), A(1, ll), A(2, ll), A(3, cf), A(4, Layout), A(5, ci), A(6, f), A(7, int*)); }}},
    {"embedding_backward", {[](void** p) { embedding_backward(A(0, ll), A(1, ll), A(2, ll), A(3, cf), A(4, Layout), A(5, ci), A(6, f), A(7, int*)); }}},
    {"gather_dim", {[](void** p) { gather_dim(A(0, ll), A(1, int), A(2, Layout), A(3, cf), A(4, Layout), A(5, ci), A(6, f), A(7, int*)); }}},
    {"scatter_add_dim", {[](void** p) { scatter_add_dim(A(0, ll), A(1, int), A(2, Layout), A(3, cf), A(4, Layout), A(5, ci), A(6, Layout), A(7, f), A(8, int*)); }}},
    {"random_uniform", {[](void** p) { random_uniform(A(0, ll), A(1, ull), A(2, float), A(3, float), A(4, f)); }}},
    {"random_normal", {[](void** p) { random_normal(A(0, ll), A(1, ull), A(2, float), A(3, float), A(4, f)); }}},
    {"dropout_forward", {[](void** p) { dropout_forward(A(0, ll), A(1, float), A(2, ull), A(3, Layout), A(4, cf), A(5, f), A(6, f)); }}},
    {"causal_mask", {[](void** p) { causal_mask(A(0, ll), A(1, ll), A(2, ll), A(3, ll), A(4, float), A(5, Layout), A(6, cf), A(7, f)); }}},
    {"adamw_step", {[](void** p) { adamw_step(A(0, ll), A(1, f), A(2, cf), A(3, f), A(4, f), A(5, float), A(6, float), A(7, float), A(8, float), A(9, float), A(10, float), A(11, float)); }}},
};

static std::mutex launch_mutex;                 // the emulator runs one launch at a time
static const size_t CAPACITY = 8ull << 30;   // the fake device's memory
static std::mutex memory_mutex;
static std::map<CUdeviceptr, size_t> blocks;
static size_t used = 0;

extern "C" {
int cuInit(unsigned) { return 0; }
int cuDeviceGetCount(int* count) { *count = 1; return 0; }
int cuDeviceGet(int* device, int ordinal) { if (ordinal != 0) return 101; *device = 0; return 0; }  // INVALID_DEVICE
int cuDeviceGetName(char* name, int len, int) { std::snprintf(name, len, "rlhf4j CPU emulation of a CUDA device"); return 0; }
int cuDevicePrimaryCtxRetain(void** ctx, int) { *ctx = (void*)0x1; return 0; }
int cuCtxSetCurrent(void*) { return 0; }
int cuStreamCreate(void** stream, unsigned) { *stream = (void*)0x2; return 0; }
int cuStreamSynchronize(void*) { return 0; }
int cuGetErrorString(int, const char** s) { *s = "error in the CPU emulation of the driver"; return 0; }

int cuMemAlloc_v2(CUdeviceptr* p, size_t bytes) {
    std::lock_guard<std::mutex> g(memory_mutex);
    if (used + bytes > CAPACITY) return 2;                      // CUDA_ERROR_OUT_OF_MEMORY
    void* m = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
    if (!m) return 2;
    std::memset(m, 0xff, bytes);                                // uninitialised memory reads as NaN
    *p = (CUdeviceptr)m;
    blocks[*p] = bytes;
    used += bytes;
    return 0;
}

int cuMemFree_v2(CUdeviceptr p) {
    std::lock_guard<std::mutex> g(memory_mutex);
    auto it = blocks.find(p);
    if (it == blocks.end()) return 1;                           // CUDA_ERROR_INVALID_VALUE
    used -= it->second;
    blocks.erase(it);
    std::free((void*)p);
    return 0;
}

int cuMemGetInfo_v2(size_t* free_bytes, size_t* total) {
    std::lock_guard<std::mutex> g(memory_mutex);
    *free_bytes = CAPACITY - used;
    *total = CAPACITY;
    return 0;
}

int cuMemsetD32_v2(CUdeviceptr dst, unsigned v, size_t n) { for (size_t i = 0; i < n; i++) ((unsigned*)dst)[i] = v; return 0; }
int cuMemsetD32Async(CUdeviceptr dst, unsigned v, size_t n, void*) { return cuMemsetD32_v2(dst, v, n); }
int cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void* src, size_t n, void*) { std::memcpy((void*)dst, src, n); return 0; }
int cuMemcpyDtoHAsync_v2(void* dst, CUdeviceptr src, size_t n, void*) { std::memcpy(dst, (void*)src, n); return 0; }
int cuMemcpyDtoH_v2(void* dst, CUdeviceptr src, size_t n) { std::memcpy(dst, (void*)src, n); return 0; }
int cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t n, void*) { std::memmove((void*)dst, (void*)src, n); return 0; }

int cuModuleLoadData(void** module, const void* image) {
    if (std::strstr((const char*)image, ".target sm_75") == nullptr) return 218;   // CUDA_ERROR_INVALID_PTX
    *module = (void*)0x3;
    return 0;
}

int cuModuleGetFunction(void** function, void*, const char* name) {
    auto it = KERNELS.find(name);
    if (it == KERNELS.end()) return 500;                        // CUDA_ERROR_NOT_FOUND
    *function = (void*)&it->second;
    return 0;
}

int cuLaunchKernel(void* function, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                   unsigned, void*, void** params, void**) {
    if (gy != 1 || gz != 1 || by != 1 || bz != 1 || bx == 0 || bx > 1024 || bx % 32 != 0) return 1;
    const Kernel* k = (const Kernel*)function;
    // Every kernel loops grid-stride over its elements or rows, so a smaller grid computes the same result; capping
    // it keeps the emulation fast and exercises those loops.
    std::lock_guard<std::mutex> g(launch_mutex);
    emu_launch(gx < 8 ? gx : 8, bx, [&] { k->call(params); });
    return 0;
}
}
