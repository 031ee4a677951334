package rlhf4j.tensor.blas;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.cpu.CpuAllocator;

/** {@link Tensor#matmul} on every GEMM, against a naive batched product computed from the logical values. */
class TensorMatmulTest {

    static Stream<String> blases() { return Stream.of("openblas", "jblas", "java", "naive"); }

    /** Naive (..., M, K) @ (..., K, N) with broadcast batch dims, on row-major logical values. */
    static float[] reference(float[] a, int[] as, float[] b, int[] bs, int[] outShape) {
        int r = outShape.length, m = outShape[r - 2], n = outShape[r - 1], k = as[as.length - 1];
        int batches = 1;
        for (int d = 0; d < r - 2; d++) batches *= outShape[d];
        float[] out = new float[batches * m * n];
        int[] idx = new int[r - 2];
        for (int bi = 0; bi < batches; bi++) {
            // decompose bi into the output batch index, then map it onto each operand (size-1 dims broadcast)
            for (int d = r - 3, rest = bi; d >= 0; d--) { idx[d] = rest % outShape[d]; rest /= outShape[d]; }
            int aBase = batchOffset(idx, as) * m * k, bBase = batchOffset(idx, bs) * k * n;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int p = 0; p < k; p++) acc += (double) a[aBase + i * k + p] * b[bBase + p * n + j];
                    out[(bi * m + i) * n + j] = (float) acc;
                }
        }
        return out;
    }

    /** Linear batch index into an operand whose batch dims are right-aligned with the output's. */
    private static int batchOffset(int[] outIdx, int[] shape) {
        int lead = outIdx.length - (shape.length - 2), off = 0;
        for (int d = 0; d < shape.length - 2; d++) off = off * shape[d] + (shape[d] == 1 ? 0 : outIdx[lead + d]);
        return off;
    }

    private static void check(Tensor a, Tensor b, int... expectedShape) {
        Tensor out = a.matmul(b);
        assertArrayEquals(expectedShape, out.shape());
        float[] ref = reference(a.toFloatArray(), a.shape(), b.toFloatArray(), b.shape(), expectedShape);
        float[] got = out.toFloatArray();
        for (int i = 0; i < ref.length; i++)
            assertEquals(ref[i], got[i], 1e-4f * Math.max(1f, Math.abs(ref[i])),
                    "element " + i + " of " + Arrays.toString(expectedShape) + " with " + BlasRegistry.current().name());
    }

    @ParameterizedTest @MethodSource("blases")
    void batchedBroadcastAndTransposedOperands(String name) {
        Blas saved = BlasRegistry.current();
        BlasRegistry.use(BlasRegistry.create(name));
        try (MemoryScope scope = MemoryScope.open()) {
            // plain batched
            check(Tensor.randn(1, 2, 3, 4, 5), Tensor.randn(2, 2, 3, 5, 6), 2, 3, 4, 6);
            // broadcast batch: (3, 1, 4, 5) @ (2, 5, 6) → (3, 2, 4, 6); a 2-D weight against a batch
            check(Tensor.randn(3, 3, 1, 4, 5), Tensor.randn(4, 2, 5, 6), 3, 2, 4, 6);
            check(Tensor.randn(5, 4, 7, 33), Tensor.randn(6, 33, 65), 4, 7, 65);
            // transposed views, used without a copy (stride 1 on the row dim)
            check(Tensor.randn(7, 2, 5, 9).mT(), Tensor.randn(8, 2, 11, 5).mT(), 2, 9, 11);
            check(Tensor.randn(9, 17, 13).mT(), Tensor.randn(10, 17, 19), 13, 19);
            // a sub-matrix view (leading dim larger than the column count) and a view BLAS cannot take (copied)
            check(Tensor.randn(11, 6, 10).narrow(1, 2, 5), Tensor.randn(12, 5, 10).narrow(1, 1, 8), 6, 8);
            check(Tensor.randn(13, 4, 5, 6).select(2, 1), Tensor.randn(14, 5, 3), 4, 3);
            // a 1-D right operand is a column vector, squeezed away
            check(Tensor.randn(15, 3, 4, 5), Tensor.randn(16, 5).unsqueeze(1), 3, 4, 1);
            assertArrayEquals(new int[]{3, 4}, Tensor.randn(15, 3, 4, 5).matmul(Tensor.randn(16, 5)).shape());
            // large enough for the threaded paths
            check(Tensor.randn(17, 130, 70), Tensor.randn(18, 70, 150).mT().contiguous().mT(), 130, 150);
        } finally {
            BlasRegistry.use(saved);
        }
    }

    @Test void repeatedMatmulInScopesReusesCachedMemory() {
        // what GemmBench.tensor measures: after the first call the output comes from the allocator's cache,
        // so neither malloc nor page faults of fresh memory are part of the steady state
        Tensor a = Tensor.randn(1, 64, 96), b = Tensor.randn(2, 96, 80);
        try (MemoryScope warm = MemoryScope.open()) { a.matmul(b); }
        long mallocs = CpuAllocator.mallocCalls(), live = CpuAllocator.liveBytes();
        for (int i = 0; i < 5; i++) {
            try (MemoryScope step = MemoryScope.open()) {
                assertArrayEquals(new int[]{64, 80}, a.matmul(b).shape());
                assertEquals(1, step.ownedCount(), "the output is the only allocation");
            }
        }
        assertEquals(mallocs, CpuAllocator.mallocCalls(), "steady-state matmul called malloc");
        assertEquals(live, CpuAllocator.liveBytes(), "scopes freed every output");
        a.free();
        b.free();
    }

    @Test void mismatchedShapesNameBothShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.zeros(2, 3).matmul(Tensor.zeros(4, 5)));
        assertEquals("matmul: shapes [2, 3] and [4, 5] do not match (3 != 4)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3, 4).matmul(Tensor.zeros(3, 4, 5)));
        assertTrue(e.getMessage().contains("[2]") && e.getMessage().contains("[3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(4).matmul(Tensor.zeros(4, 5)));
        assertTrue(e.getMessage().contains("rank >= 2"), e.getMessage());
    }
}
