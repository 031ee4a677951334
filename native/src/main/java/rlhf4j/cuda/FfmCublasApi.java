package rlhf4j.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static rlhf4j.cuda.CudaErrors.checkCublas;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The handful of cuBLAS v2 entry points bound with the FFM linker against libcublas.so.13 (CUDA 13), for machines
 * where JCublas's libcublas.so.12 is missing. Device pointers and the handle are plain addresses.
 */
final class FfmCublasApi implements CublasApi {
    private static final int CUDA_R_32F = 0;
    private static final int CUBLAS_COMPUTE_32F = 68, CUBLAS_COMPUTE_32F_FAST_TF32 = 77;
    private static final int CUBLAS_DEFAULT_MATH = 0, CUBLAS_TF32_TENSOR_OP_MATH = 3;
    private static final int CUBLAS_GEMM_DEFAULT = -1;

    private final MethodHandle destroy, setMathMode, sgemm, gemmStridedBatchedEx;
    private final MemorySegment handle;
    private final Arena scalars = Arena.ofShared();        // alpha and beta live here (host pointer mode)
    private final MemorySegment alphaBeta = scalars.allocate(JAVA_FLOAT, 2);
    private final String library;
    private boolean tf32;

    FfmCublasApi(CudaStream stream) {
        var found = openLibrary();
        SymbolLookup lib = found.lookup();
        library = found.name();
        Linker linker = Linker.nativeLinker();
        MethodHandle create = bind(linker, lib, "cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        destroy = bind(linker, lib, "cublasDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        MethodHandle setStream = bind(linker, lib, "cublasSetStream_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        setMathMode = bind(linker, lib, "cublasSetMathMode", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        // (handle, transa, transb, m, n, k, *alpha, A, lda, B, ldb, *beta, C, ldc)
        sgemm = bind(linker, lib, "cublasSgemm_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        // (handle, transa, transb, m, n, k, *alpha, A, Atype, lda, strideA, B, Btype, ldb, strideB, *beta,
        //  C, Ctype, ldc, strideC, batchCount, computeType, algo)
        gemmStridedBatchedEx = bind(linker, lib, "cublasGemmStridedBatchedEx", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            checkCublas("cublasCreate_v2", (int) create.invokeExact(out));
            handle = out.get(ADDRESS, 0);
            checkCublas("cublasSetStream_v2", (int) setStream.invokeExact(handle, MemorySegment.ofAddress(stream.handle())));
        } catch (CudaException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("calling cuBLAS through FFM failed", t);
        }
        setTf32(false);
    }

    private record Library(String name, SymbolLookup lookup) {}

    /** libcublas.so.13 from -Drlhf4j.cublas.library, the loader's search path, or the usual CUDA install dirs. */
    private static Library openLibrary() {
        List<String> candidates = new ArrayList<>();
        String override = System.getProperty("rlhf4j.cublas.library");
        if (override != null) candidates.add(override);
        candidates.add("libcublas.so.13");
        for (String dir : new String[]{"/usr/local/cuda/lib64", "/usr/local/cuda-13/lib64", "/usr/local/cuda-13.0/lib64",
                "/usr/lib/x86_64-linux-gnu"}) {
            Path p = Path.of(dir, "libcublas.so.13");
            if (Files.exists(p)) candidates.add(p.toString());
        }
        List<String> failures = new ArrayList<>();
        for (String c : candidates) {
            try {
                return new Library(c, SymbolLookup.libraryLookup(c, Arena.global()));
            } catch (IllegalArgumentException e) {
                failures.add(c + ": " + e.getMessage());
            }
        }
        throw new IllegalStateException("libcublas.so.13 not found (" + String.join("; ", failures) + ")");
    }

    private static MethodHandle bind(Linker linker, SymbolLookup lib, String name, FunctionDescriptor fd) {
        MemorySegment symbol = lib.find(name).orElseThrow(() -> new IllegalStateException("cuBLAS has no symbol " + name));
        return linker.downcallHandle(symbol, fd);
    }

    @Override public String name() { return "cuBLAS via FFM (" + library + ")"; }

    @Override public void setTf32(boolean enabled) {
        try {
            checkCublas("cublasSetMathMode", (int) setMathMode.invokeExact(handle,
                    enabled ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
        } catch (CudaException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cublasSetMathMode", t);
        }
        tf32 = enabled;
    }

    private MemorySegment scalars(float alpha, float beta) {
        alphaBeta.setAtIndex(JAVA_FLOAT, 0, alpha);
        alphaBeta.setAtIndex(JAVA_FLOAT, 1, beta);
        return alphaBeta;
    }

    @Override public synchronized void sgemm(int opA, int opB, int m, int n, int k, float alpha, long a, int lda,
                                             long b, int ldb, float beta, long c, int ldc) {
        MemorySegment s = scalars(alpha, beta);
        try {
            checkCublas("cublasSgemm_v2", (int) sgemm.invokeExact(handle, opA, opB, m, n, k, s,
                    MemorySegment.ofAddress(a), lda, MemorySegment.ofAddress(b), ldb, s.asSlice(4),
                    MemorySegment.ofAddress(c), ldc));
        } catch (CudaException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cublasSgemm_v2", t);
        }
    }

    @Override public synchronized void sgemmStridedBatched(int opA, int opB, int m, int n, int k, float alpha, long a,
                                                           int lda, long strideA, long b, int ldb, long strideB,
                                                           float beta, long c, int ldc, long strideC, int batch) {
        MemorySegment s = scalars(alpha, beta);
        try {
            checkCublas("cublasGemmStridedBatchedEx", (int) gemmStridedBatchedEx.invokeExact(handle, opA, opB, m, n, k,
                    s, MemorySegment.ofAddress(a), CUDA_R_32F, lda, strideA, MemorySegment.ofAddress(b), CUDA_R_32F,
                    ldb, strideB, s.asSlice(4), MemorySegment.ofAddress(c), CUDA_R_32F, ldc, strideC, batch,
                    tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
        } catch (CudaException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cublasGemmStridedBatchedEx", t);
        }
    }

    @Override public void close() {
        try {
            int ignored = (int) destroy.invokeExact(handle);
        } catch (Throwable ignored) {
            // closing at shutdown: nothing useful to do with a failure
        }
        scalars.close();
    }
}
