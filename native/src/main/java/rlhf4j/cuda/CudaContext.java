package rlhf4j.cuda;

import static jcuda.driver.JCudaDriver.*;
import static rlhf4j.cuda.CudaErrors.check;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.logging.Logger;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;

/**
 * Everything rlhf4j holds on one GPU: the primary context, one stream (all work is queued on it in order), the
 * loaded PTX modules, the caching allocator, the cuBLAS handle and a small buffer for device-side index errors.
 *
 * <p>Kernel launches are asynchronous; a kernel that faults is only reported by the next synchronisation, so the
 * names of the ops queued since the last one are kept to say which op it was.
 */
final class CudaContext {
    private static final Logger LOG = Logger.getLogger(CudaContext.class.getName());
    private static final int PENDING_NAMES = 16;

    final int ordinal;
    final String deviceName;
    private final CUcontext context = new CUcontext();
    private final CudaStream stream = new CudaStream();
    private static final ThreadLocal<CudaContext> CURRENT = new ThreadLocal<>();   // per thread, as in the driver
    private final HashMap<String, CUmodule> modules = new HashMap<>();
    private final HashMap<String, CUfunction> functions = new HashMap<>();
    private final HashMap<Long, DevicePointer> blocks = new HashMap<>();   // raw blocks by address, for cuMemFree
    final CachingAllocator allocator;
    private final DevicePointer indexError;                                 // int[2] {op code, bad value}
    private final ArrayDeque<String> pendingOps = new ArrayDeque<>();
    private long pendingCount;
    private boolean indexOpsPending;
    private CublasApi cublas;
    private boolean tf32 = Boolean.getBoolean("rlhf4j.cuda.tf32");

    CudaContext(int ordinal) {
        this.ordinal = ordinal;
        CUdevice device = new CUdevice();
        check("cuDeviceGet", cuDeviceGet(device, ordinal));
        byte[] name = new byte[256];
        check("cuDeviceGetName", cuDeviceGetName(name, name.length, device));
        int len = 0;
        while (len < name.length && name[len] != 0) len++;
        deviceName = new String(name, 0, len, java.nio.charset.StandardCharsets.US_ASCII);
        // The primary context is the one the CUDA runtime (and so cuBLAS) uses: sharing it keeps pointers valid.
        check("cuDevicePrimaryCtxRetain", cuDevicePrimaryCtxRetain(context, device));
        enter();
        check("cuStreamCreate", cuStreamCreate(stream, 0));
        allocator = new CachingAllocator(new CachingAllocator.RawAllocator() {
            @Override public long allocate(long bytes) { return rawAllocate(bytes); }
            @Override public void free(long address) { rawFree(address); }
        });
        indexError = new DevicePointer();
        check("cuMemAlloc", cuMemAlloc(indexError, 8), "index error flag");
        check("cuMemsetD32Async", cuMemsetD32Async(indexError, 0, 2, stream));
    }

    /** Makes this context current on the calling thread (each thread has its own current context). */
    void enter() {
        if (CURRENT.get() != this) {
            check("cuCtxSetCurrent", cuCtxSetCurrent(context));
            CURRENT.set(this);
        }
    }

    // ---- memory ----------------------------------------------------------------------------------------------

    private synchronized long rawAllocate(long bytes) {
        enter();
        DevicePointer p = new DevicePointer();
        int status = cuMemAlloc(p, bytes);
        if (status == CUresult.CUDA_ERROR_OUT_OF_MEMORY) return 0;
        check("cuMemAlloc", status, bytes + " bytes");
        blocks.put(p.address(), p);
        return p.address();
    }

    private synchronized void rawFree(long address) {
        enter();
        DevicePointer p = blocks.remove(address);
        if (p == null) throw new IllegalStateException("freeing unknown device block 0x" + Long.toHexString(address));
        check("cuMemFree", cuMemFree(p));
    }

    /** A JCuda pointer to byte {@code byteOffset} of the block at {@code address} (for the memcpy calls). */
    private synchronized jcuda.driver.CUdeviceptr pointer(long address, long byteOffset) {
        DevicePointer p = blocks.get(address);
        if (p == null) throw new IllegalStateException("no device block at 0x" + Long.toHexString(address));
        return p.withByteOffset(byteOffset);
    }

    /** Host → device. Pageable host memory is staged by the driver before the call returns, so src may be reused. */
    void copyFromHost(MemorySegment src, long dstAddress, long dstByteOffset, long bytes) {
        enter();
        if (bytes == 0) return;
        if (src.isNative()) {
            copyFromNative(src, dstAddress, dstByteOffset, bytes);
        } else {
            try (Arena arena = Arena.ofConfined()) {           // heap arrays move: stage them in native memory
                MemorySegment staged = arena.allocate(bytes, 64);
                MemorySegment.copy(src, 0, staged, 0, bytes);
                copyFromNative(staged, dstAddress, dstByteOffset, bytes);
            }
        }
    }

    private void copyFromNative(MemorySegment src, long dstAddress, long dstByteOffset, long bytes) {
        for (long done = 0; done < bytes; ) {                 // ByteBuffers are limited to 2 GiB
            long chunk = Math.min(bytes - done, 1L << 30);
            Pointer host = Pointer.to(src.asSlice(done, chunk).asByteBuffer());
            check("cuMemcpyHtoDAsync", cuMemcpyHtoDAsync(pointer(dstAddress, dstByteOffset + done), host, chunk, stream));
            done += chunk;
        }
    }

    /** Device → host; waits for all queued work first (the host is about to read). */
    void copyToHost(long srcAddress, long srcByteOffset, MemorySegment dst, long bytes) {
        enter();
        if (bytes == 0) { synchronize(); return; }
        if (dst.isNative()) {
            copyToNative(srcAddress, srcByteOffset, dst, bytes);
        } else {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment staged = arena.allocate(bytes, 64);
                copyToNative(srcAddress, srcByteOffset, staged, bytes);
                MemorySegment.copy(staged, 0, dst, 0, bytes);
            }
        }
    }

    private void copyToNative(long srcAddress, long srcByteOffset, MemorySegment dst, long bytes) {
        for (long done = 0; done < bytes; ) {
            long chunk = Math.min(bytes - done, 1L << 30);
            Pointer host = Pointer.to(dst.asSlice(done, chunk).asByteBuffer());
            check("cuMemcpyDtoHAsync", cuMemcpyDtoHAsync(host, pointer(srcAddress, srcByteOffset + done), chunk, stream));
            done += chunk;
        }
        synchronize();
    }

    /** Device → device copy on the stream (cuMemcpyDtoDAsync): the bandwidth baseline for the benchmarks. */
    void copyDeviceToDevice(long dstAddress, long srcAddress, long bytes) {
        enter();
        check("cuMemcpyDtoDAsync", cuMemcpyDtoDAsync(pointer(dstAddress, 0), pointer(srcAddress, 0), bytes, stream));
        recordPending("device copy");
    }

    /** Device memory in use by the whole process on this GPU (cuMemGetInfo: total − free). */
    long deviceBytesUsed() {
        enter();
        long[] free = new long[1], total = new long[1];
        check("cuMemGetInfo", cuMemGetInfo(free, total));
        return total[0] - free[0];
    }

    // ---- kernels ---------------------------------------------------------------------------------------------

    /** A kernel from one of the PTX modules, loading the module on first use. */
    synchronized CUfunction function(String module, String kernel) {
        String key = module + "/" + kernel;
        CUfunction f = functions.get(key);
        if (f != null) return f;
        enter();
        CUmodule m = modules.get(module);
        if (m == null) {
            m = new CUmodule();
            check("cuModuleLoadData", cuModuleLoadData(m, PtxResources.image(module)), PtxResources.DIR + module + ".ptx");
            modules.put(module, m);
        }
        f = new CUfunction();
        check("cuModuleGetFunction", cuModuleGetFunction(f, m, kernel), key);
        functions.put(key, f);
        return f;
    }

    /** Queues a kernel on the stream; a fault inside it is reported by the next {@link #synchronize()}. */
    void launch(String op, String module, String kernel, LaunchGeometry g, KernelArgs args) {
        if (g.isEmpty()) return;
        enter();
        CUfunction f = function(module, kernel);
        check("cuLaunchKernel", cuLaunchKernel(f, g.blocks(), 1, 1, g.threads(), 1, 1, 0, stream, args.pointer(), null),
                op + " (" + module + "/" + kernel + ", " + g.blocks() + "x" + g.threads() + ")");
        recordPending(op);
    }

    /** Like {@link #launch}, for kernels that may record an index error (checked at the next sync). */
    void launchIndexed(String op, String module, String kernel, LaunchGeometry g, KernelArgs args) {
        launch(op, module, kernel, g, args);
        if (!g.isEmpty()) indexOpsPending = true;
    }

    long indexErrorAddress() { return indexError.address(); }

    synchronized void recordPending(String op) {
        if (pendingOps.size() == PENDING_NAMES) pendingOps.removeFirst();
        pendingOps.addLast(op);
        pendingCount++;
    }

    /** Waits for the stream; turns an asynchronous kernel fault or a recorded index error into an exception. */
    void synchronize() {
        enter();
        int status = cuStreamSynchronize(stream);
        String ops;
        synchronized (this) {
            ops = pendingCount + " op(s) since the last sync, latest " + String.join(", ", pendingOps);
            pendingOps.clear();
            pendingCount = 0;
        }
        if (status != CUresult.CUDA_SUCCESS)
            throw CudaErrors.driverError("cuStreamSynchronize", status, "a kernel failed; " + ops);
        if (indexOpsPending) {
            indexOpsPending = false;
            int[] flag = new int[2];
            check("cuMemcpyDtoH", cuMemcpyDtoH(Pointer.to(flag), indexError, 8));
            if (flag[0] != 0) {
                check("cuMemsetD32", cuMemsetD32(indexError, 0, 2));
                throw new IllegalArgumentException(IndexErrors.message(flag[0], flag[1]));
            }
        }
    }

    // ---- cuBLAS ----------------------------------------------------------------------------------------------

    synchronized CublasApi cublas() {
        if (cublas == null) {
            enter();
            cublas = CublasApi.load(stream);
            cublas.setTf32(tf32);
            LOG.info("rlhf4j CUDA: GEMM through " + cublas.name() + (tf32 ? ", TF32 on" : ", strict FP32"));
        }
        return cublas;
    }

    /** Switches cuBLAS between strict FP32 and TF32 tensor cores (default from -Drlhf4j.cuda.tf32). */
    synchronized void setTf32(boolean enabled) {
        tf32 = enabled;
        if (cublas != null) cublas.setTf32(enabled);
    }
}
