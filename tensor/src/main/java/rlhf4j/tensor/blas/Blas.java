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

    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
               MemorySegment a, long aOffset, int lda,
               MemorySegment b, long bOffset, int ldb,
               float beta, MemorySegment c, long cOffset, int ldc);
}
