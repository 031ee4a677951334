package rlhf4j.tensor.blas;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The textbook triple loop, accumulated in double: the reference every fast GEMM is tested against. */
public final class NaiveBlas implements Blas {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    @Override public String name() { return "naive"; }

    @Override public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                MemorySegment a, long aOffset, int lda, MemorySegment b, long bOffset, int ldb,
                                float beta, MemorySegment c, long cOffset, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double acc = 0;
                for (int p = 0; p < k; p++) {
                    float av = a.getAtIndex(F, aOffset + (transA ? (long) p * lda + i : (long) i * lda + p));
                    float bv = b.getAtIndex(F, bOffset + (transB ? (long) j * ldb + p : (long) p * ldb + j));
                    acc += (double) av * bv;
                }
                long ci = cOffset + (long) i * ldc + j;
                float old = beta == 0f ? 0f : beta * c.getAtIndex(F, ci);   // beta 0 ignores C (may be garbage)
                c.setAtIndex(F, ci, (float) (alpha * acc) + old);
            }
        }
    }
}
