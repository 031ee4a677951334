/**
 * The CUDA backend: {@link rlhf4j.cuda.CudaBackend} implements {@link rlhf4j.tensor.Backend} for NVIDIA GPUs and is
 * found by {@link java.util.ServiceLoader}, so no code outside this module names CUDA.
 *
 * <h2>Pieces</h2>
 * <ul>
 *   <li>{@code CudaProbe} decides, without ever throwing, whether CUDA can run (libcuda.so.1, JCuda's natives,
 *       cuInit, a device) and says why not; {@code Backends.defaultDevice(true)} then falls back to the CPU.</li>
 *   <li>{@code CudaContext}: one primary context and one stream per GPU; all work is queued on the stream in
 *       order, the host waits only in {@code copyToHost}/{@code synchronize}. A kernel that faults is reported at
 *       the next synchronisation with the names of the ops queued since the previous one.</li>
 *   <li>{@code CachingAllocator}: freed blocks are kept by rounded size and reused, so a steady training loop
 *       makes no cuMemAlloc calls; the policy is host-only logic, tested with a fake raw allocator.</li>
 *   <li>Kernels: CUDA C in {@code native/src/main/cuda/*.cu} (one kernel family per file, shared helpers in
 *       {@code common.cuh}), compiled to PTX for compute_75 (JIT-compiled by the driver on newer GPUs) and
 *       shipped as resources {@code rlhf4j/cuda/ptx/*.ptx}. Operands are passed as strided layouts
 *       ({@code KernelLayout}), so views and broadcasts need no copies.</li>
 *   <li>GEMM through cuBLAS ({@code CublasApi}): JCublas when libcublas.so.12 loads, otherwise libcublas.so.13
 *       bound with the FFM linker. {@code CudaGemm} maps row-major tensors to column-major cuBLAS (outᵀ = bᵀ·aᵀ)
 *       without copying transposed views; uniform batch strides become one strided-batched call.</li>
 * </ul>
 *
 * <h2>PTX build</h2>
 * {@code native/src/main/cuda/build-ptx.sh} (run by Maven in generate-resources) recompiles a .ptx when the
 * SHA-256 of its .cu or of an included header differs from the one recorded in the .ptx header, using
 * {@code nvcc -ptx -arch=compute_75 -O3}. Without nvcc the committed PTX is used; {@code PtxSourceHashTest} fails
 * if it is stale. After editing a .cu, run the build (or the script) on a machine with nvcc and commit the .ptx.
 *
 * <h2>System properties</h2>
 * <ul>
 *   <li>{@code rlhf4j.cuda.disable=true}: report CUDA as unavailable.</li>
 *   <li>{@code rlhf4j.cuda.tf32=true}: let cuBLAS use TF32 tensor cores (default: strict FP32).</li>
 *   <li>{@code rlhf4j.cublas.library=/path/libcublas.so.13}: where the FFM binding finds cuBLAS.</li>
 * </ul>
 *
 * <h2>Tests</h2>
 * Host-only tests run everywhere. {@code CudaOpsGpuTest}, {@code CudaTrainingParityTest} (an MLP and a two-block
 * GPT-2 trained 50 steps on the device and on the CPU from the same weights, loss curves compared step by step) and
 * {@code CudaAllocatorGpuTest} need a GPU and are skipped (JUnit assumptions) without one. Without a GPU the kernels
 * are still exercised: {@code KernelEmulationTest} compiles their CUDA C with g++ against a small emulator ({@code
 * src/test/cuda/cuda_emu.h}) and checks them against references, and the Maven execution "emulated-gpu" runs {@code
 * CudaOpsGpuTest} and {@code CudaTrainingParityTest} against CPU stand-ins for libcuda.so.1 and libcublas.so.13
 * ({@code src/test/cuda/fake_cuda.cpp}, {@code fake_cublas.c}), so the whole Java path (JCuda calls, allocator,
 * layouts, launches, FFM cuBLAS) runs end to end. The emulation proves logic only: PTX compilation by the driver,
 * real cuBLAS, timing and memory behaviour need a GPU. {@code CudaBenchmark} (a plain main in the test sources)
 * measures SGEMM and bandwidth.
 */
package rlhf4j.cuda;
