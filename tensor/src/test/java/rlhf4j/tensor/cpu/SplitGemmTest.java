package rlhf4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.blas.Blas;
import rlhf4j.tensor.blas.BlasRegistry;
import rlhf4j.tensor.blas.NaiveBlas;
import rlhf4j.tensor.blas.OpenBlas;

/**
 * Large products are split over the CPU pool (by batch, rows or columns) when the BLAS runs one thread per call.
 * The split result must equal one whole BLAS call within float32 rounding (a block is another call shape, whose edge
 * tiles the BLAS's kernels may round differently on another CPU), the naive triple loop within tolerance, and itself
 * bit for bit when run again: the split points depend only on the sizes and the thread count.
 */
class SplitGemmTest {
    private Blas saved;
    private final OpenBlas oneThread = new OpenBlas(1);

    @BeforeEach void useSingleThreadedBlas() {
        saved = BlasRegistry.current();
        BlasRegistry.use(oneThread);
    }

    @AfterEach void restore() { BlasRegistry.use(saved); }

    @ParameterizedTest(name = "batch {0}, {1}x{2}x{3}, transA {4}, transB {5}")
    @CsvSource({
            "1, 301, 129, 97, false, false",    // rows split (m >= n)
            "1, 65, 517, 130, false, true",     // columns split (n > m)
            "1, 257, 190, 64, true, true",
            "6, 96, 80, 72, true, false",       // whole batches per thread
            "1, 2, 2, 3, false, false"})        // below the threshold: one call
    void splitMatchesOneCallAndRepeatsBitForBit(int batch, int m, int n, int k, boolean transA, boolean transB) {
        assertTrue(Parallel.threads() == 1 || batch * (long) m * n * k >= CpuBackend.GEMM_SPLIT_MACS || m * n * k < 100,
                "the test shapes must exercise the split");
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor a = transA ? Tensor.randn(1, batch, k, m).mT() : Tensor.randn(1, batch, m, k);   // (batch, m, k)
            Tensor b = transB ? Tensor.randn(2, batch, n, k).mT() : Tensor.randn(2, batch, k, n);   // (batch, k, n)
            float[] split = a.matmul(b).toFloatArray();                                            // (batch, m, n)
            assertArrayEquals(split, a.matmul(b).toFloatArray(), "the same split product twice, bit for bit");
            float[] whole = wholeCalls(a, b, batch, m, n, k, transA, transB);
            for (int i = 0; i < whole.length; i++)
                assertEquals(whole[i], split[i], float32Rounding(k, whole[i]), "split vs one call, element " + i);
            BlasRegistry.use(new NaiveBlas());
            float[] naive = a.matmul(b).toFloatArray();
            for (int i = 0; i < naive.length; i++)
                assertEquals(naive[i], split[i], 1e-4 * Math.sqrt(k) * (1 + Math.abs(naive[i])), "element " + i);
        }
    }

    @ParameterizedTest(name = "accumulate into {0}x{1}x{2}")
    @CsvSource({"300, 140, 100", "70, 400, 120"})
    void splitAccumulates(int m, int n, int k) {
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor a = Tensor.randn(3, m, k), b = Tensor.randn(4, k, n);
            Tensor out = Tensor.randn(5, m, n);
            float[] before = out.toFloatArray();
            float[] product = a.matmul(b).toFloatArray();
            a.backend().matmul(a, b, out, true);
            float[] after = out.toFloatArray();
            for (int i = 0; i < after.length; i++)
                assertEquals(before[i] + product[i], after[i], 1e-4f * (1 + Math.abs(after[i])), "element " + i);
        }
    }

    /**
     * Two float32 sums of k products of unit-sized terms, added in other orders or tiles, differ by about
     * 2^−24·sqrt(k)·(their size); 1e-5·sqrt(k) relative leaves ~100× headroom yet catches any wrong or missing term.
     */
    static double float32Rounding(int k, float expected) {
        return 1e-5 * Math.sqrt(k) * (1 + Math.abs(expected));
    }

    /** Each batch's product by one single-threaded OpenBLAS call on contiguous copies. */
    private float[] wholeCalls(Tensor a, Tensor b, int batch, int m, int n, int k, boolean transA, boolean transB) {
        float[] out = new float[batch * m * n];
        try (Arena arena = Arena.ofConfined()) {
            // store operands exactly as the views lie in memory, so the call sees the same layout
            float[] av = (transA ? a.mT() : a).contiguous().toFloatArray();
            float[] bv = (transB ? b.mT() : b).contiguous().toFloatArray();
            MemorySegment as = arena.allocateFrom(ValueLayout.JAVA_FLOAT, av);
            MemorySegment bs = arena.allocateFrom(ValueLayout.JAVA_FLOAT, bv);
            MemorySegment cs = arena.allocate((long) out.length * 4, 64);
            for (int i = 0; i < batch; i++) {
                oneThread.sgemm(transA, transB, m, n, k, 1f, as, (long) i * m * k, transA ? m : k,
                        bs, (long) i * k * n, transB ? k : n, 0f, cs, (long) i * m * n, n);
            }
            MemorySegment.copy(cs, ValueLayout.JAVA_FLOAT, 0, out, 0, out.length);
        }
        return out;
    }
}
