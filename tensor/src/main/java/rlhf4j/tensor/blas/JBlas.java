package rlhf4j.tensor.blas;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jblas.NativeBlas;

/**
 * jblas 1.2.5 through JNI (its bundled amd64 library, an SSE3 build from 2020): the baseline row of the GEMM
 * benchmark.
 *
 * <p>It costs more than its kernel: jblas takes Java {@code float[]} arrays, so every call copies A, B and C from
 * native memory into arrays and C back out again, and JNI pins or copies the arrays once more. jblas is also
 * column-major; a row-major M×N matrix with leading dim ld is, read column-major, its transpose with the same ld.
 * So row-major {@code C = op(A)·op(B)} is computed as the column-major {@code Cᵀ = op(B)ᵀ·op(A)ᵀ}: swap the
 * operands and M with N, keep the transpose flags.
 *
 * <p>jblas's amd64 library needs {@code libgfortran.so.5}; the copy from the OpenBLAS jar is loaded first (see
 * {@link NativeLibraries}), so nothing has to be installed by hand.
 */
public final class JBlas implements Blas {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    public JBlas() {
        NativeLibraries.loadFortranRuntime();                                    // before jblas loads its natives
        org.jblas.util.Logger.getLogger().setLevel(org.jblas.util.Logger.WARNING);  // quiet its loading chatter
        float[] one = {1f};
        NativeBlas.sgemm('N', 'N', 1, 1, 1, 1f, one, 0, 1, one, 0, 1, 0f, new float[1], 0, 1);  // loads it now
    }

    @Override public String name() { return "jblas"; }

    @Override public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                MemorySegment a, long aOffset, int lda, MemorySegment b, long bOffset, int ldb,
                                float beta, MemorySegment c, long cOffset, int ldc) {
        Blas.checkArguments(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
        if (m == 0 || n == 0) return;
        // stored extents in floats: rows × ld, without the unused tail of the last row
        float[] as = toArray(a, aOffset, transA ? k : m, k == 0 ? 0 : transA ? m : k, lda);
        float[] bs = toArray(b, bOffset, transB ? n : k, k == 0 ? 0 : transB ? k : n, ldb);
        float[] cs = toArray(c, cOffset, m, n, ldc);   // read even for beta 0: the gaps between rows are copied back
        NativeBlas.sgemm(transB ? 'T' : 'N', transA ? 'T' : 'N', n, m, k, alpha,
                bs, 0, ldb, as, 0, lda, beta, cs, 0, ldc);
        MemorySegment.copy(cs, 0, c, F, cOffset * Float.BYTES, cs.length);
    }

    private static float[] toArray(MemorySegment s, long offset, int rows, int cols, int ld) {
        int len = rows == 0 || cols == 0 ? 1 : Math.toIntExact((long) (rows - 1) * ld + cols);
        float[] out = new float[len];
        if (rows > 0 && cols > 0) MemorySegment.copy(s, F, offset * Float.BYTES, out, 0, len);
        return out;
    }
}
