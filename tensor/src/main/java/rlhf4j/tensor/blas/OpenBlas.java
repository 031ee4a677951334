package rlhf4j.tensor.blas;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * OpenBLAS's {@code cblas_sgemm}, called through the FFM linker directly on the tensors' native memory: no copy,
 * no JNI glue, no JavaCPP. The library comes from the openblas jar on the class path (see {@link NativeLibraries}).
 *
 * <p>Threads: {@code -Drlhf4j.blas.threads=N} (default 1), set once with {@code openblas_set_num_threads}.
 * With one library thread the CPU backend splits large products over its own pool instead: OpenBLAS's worker
 * threads spin after each call and wait for each other after every block, so beside a second pool (the kernels')
 * or on cores busy with other processes they stall each other, which measured 4–20× slower on this project's
 * 2-core machine. Operands must be native segments (heap arrays would move under the GC).
 */
public final class OpenBlas implements Blas {
    // CBLAS enums (cblas.h)
    private static final int CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112;

    private final MethodHandle sgemm;
    private final int threads;
    private final String config;

    /** Loads OpenBLAS with {@code rlhf4j.blas.threads} library threads (default 1). */
    public OpenBlas() { this(Integer.getInteger("rlhf4j.blas.threads", 1)); }

    /** Loads OpenBLAS (extracting it on first use) with its own thread count; throws with the reason on failure. */
    public OpenBlas(int threads) {
        NativeLibraries.loadFortranRuntime();   // libopenblas.so.0 needs libgfortran.so.5
        SymbolLookup lib = SymbolLookup.libraryLookup(NativeLibraries.extract("libopenblas.so.0"), Arena.global());
        Linker linker = Linker.nativeLinker();
        // void cblas_sgemm(order, transA, transB, M, N, K, alpha, *A, lda, *B, ldb, beta, *C, ldc)
        sgemm = linker.downcallHandle(lib.find("cblas_sgemm").orElseThrow(),
                // pointers passed as 64-bit integers (the same in the x86-64 and AArch64 C ABIs): no segment per call
                FunctionDescriptor.ofVoid(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_FLOAT,
                        JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_FLOAT, JAVA_LONG, JAVA_INT));
        MethodHandle setThreads = linker.downcallHandle(lib.find("openblas_set_num_threads").orElseThrow(),
                FunctionDescriptor.ofVoid(JAVA_INT));
        MethodHandle getConfig = linker.downcallHandle(lib.find("openblas_get_config").orElseThrow(),
                FunctionDescriptor.of(ADDRESS));
        this.threads = threads;
        if (threads < 1) throw new IllegalArgumentException("rlhf4j.blas.threads must be >= 1, got " + threads);
        try {
            setThreads.invokeExact(threads);
            config = ((MemorySegment) getConfig.invokeExact()).reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw new IllegalStateException("OpenBLAS initialisation failed", t);
        }
    }

    @Override public String name() { return "openblas"; }

    @Override public boolean multiThreaded() { return threads > 1; }

    /** OpenBLAS's build description (version, kernel chosen for this CPU) and the thread count. */
    public String describe() { return config + ", " + threads + " threads"; }

    @Override public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                MemorySegment a, long aOffset, int lda, MemorySegment b, long bOffset, int ldb,
                                float beta, MemorySegment c, long cOffset, int ldc) {
        Blas.checkArguments(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
        if (m == 0 || n == 0) return;
        try {
            sgemm.invokeExact(CBLAS_ROW_MAJOR, transA ? CBLAS_TRANS : CBLAS_NO_TRANS,
                    transB ? CBLAS_TRANS : CBLAS_NO_TRANS, m, n, k, alpha,
                    at(a, aOffset), lda, at(b, bOffset), ldb, beta, at(c, cOffset), ldc);
        } catch (Throwable t) {
            throw new IllegalStateException("cblas_sgemm failed", t);
        }
    }

    /** The address of float {@code offset} of a live native segment (checkArguments has checked the bounds). */
    private static long at(MemorySegment s, long offset) {
        if (!s.isNative())
            throw new IllegalArgumentException("OpenBLAS needs native memory segments, got a heap segment " + s);
        if (!s.scope().isAlive()) throw new IllegalStateException("OpenBLAS operand's memory was already freed");
        return s.address() + offset * Float.BYTES;
    }
}
