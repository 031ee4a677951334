package rlhf4j.tensor.blas;

import java.lang.foreign.MemorySegment;

/**
 * Single-precision GEMM on native memory, row-major: C = alpha · op(A) · op(B) + beta · C, where op(X) is X or Xᵀ.
 * A is M×K after op, B is K×N after op, C is M×N; lda, ldb, ldc are row strides in floats of the matrices as
 * stored; offsets are in floats from the start of each segment.
 *
 * <p>Implementations: {@link OpenBlas} (OpenBLAS through FFM, the default), {@link JBlas} (jblas, a baseline),
 * {@link JavaBlas} (pure Java, Vector API). Choose with {@code -Drlhf4j.blas=openblas|jblas|java}.
 */
public interface Blas {
    String name();

    /**
     * Whether one call spreads over several threads by itself. When false, the CPU backend splits large products
     * over its own thread pool (one pool for every kernel, so no two pools compete for the cores).
     */
    default boolean multiThreaded() { return false; }

    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
               MemorySegment a, long aOffset, int lda,
               MemorySegment b, long bOffset, int ldb,
               float beta, MemorySegment c, long cOffset, int ldc);

    /**
     * Throws a clear IllegalArgumentException unless every element the call touches lies inside its segment and
     * each leading dim is at least the stored row length. Native code gets no bounds checks, so it runs this first.
     */
    static void checkArguments(boolean transA, boolean transB, int m, int n, int k,
                               MemorySegment a, long aOffset, int lda, MemorySegment b, long bOffset, int ldb,
                               MemorySegment c, long cOffset, int ldc) {
        if (m < 0 || n < 0 || k < 0)
            throw new IllegalArgumentException("sgemm: negative size m=" + m + " n=" + n + " k=" + k);
        // stored shapes: A is M×K, or K×M when transposed; likewise B
        checkMatrix("A", a, aOffset, lda, transA ? k : m, transA ? m : k);
        checkMatrix("B", b, bOffset, ldb, transB ? n : k, transB ? k : n);
        checkMatrix("C", c, cOffset, ldc, m, n);
    }

    private static void checkMatrix(String name, MemorySegment s, long offset, int ld, int rows, int cols) {
        if (ld < Math.max(1, cols))
            throw new IllegalArgumentException("sgemm: leading dim of " + name + " is " + ld + ", less than its "
                    + cols + " stored columns");
        if (offset < 0) throw new IllegalArgumentException("sgemm: negative offset " + offset + " for " + name);
        if (rows == 0 || cols == 0) return;
        long last = offset + (long) (rows - 1) * ld + cols;   // one past the last element, in floats
        if (last * Float.BYTES > s.byteSize())
            throw new IllegalArgumentException("sgemm: " + name + " (" + rows + "×" + cols + ", ld " + ld + ", offset "
                    + offset + ") needs " + last * Float.BYTES + " bytes but its segment has " + s.byteSize());
    }
}
