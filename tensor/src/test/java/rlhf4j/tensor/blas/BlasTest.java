package rlhf4j.tensor.blas;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every fast GEMM against {@link NaiveBlas}: odd shapes, transposes, padded leading dims, offsets, alpha, beta. */
class BlasTest {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final NaiveBlas NAIVE = new NaiveBlas();

    // created once: loading natives and starting thread pools is not what is under test
    private static final Blas OPENBLAS = new OpenBlas();
    private static final Blas JBLAS = new JBlas();
    private static final Blas JAVA = new JavaBlas(2);
    private static final Blas JAVA_1 = new JavaBlas(1);

    static Stream<Blas> fast() { return Stream.of(OPENBLAS, JBLAS, JAVA, JAVA_1); }

    /** {m, n, k}: degenerate, below one micro-tile, across tile and K-slice edges, and big enough to go parallel. */
    private static final int[][] SHAPES = {
            {1, 1, 1}, {7, 13, 5}, {65, 33, 129}, {128, 1, 17}, {1, 70, 3}, {6, 32, 256}, {13, 47, 300},
            {130, 90, 70}, {97, 257, 61}};

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (int[] s : SHAPES)
            for (int t = 0; t < 4; t++)
                out.add(Arguments.of(s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0));
        return out.stream();
    }

    /** A matrix stored rows×cols with leading dim ld at a float offset in a segment of random values. */
    record Stored(MemorySegment seg, long offset, int ld, int rows, int cols) {
        static Stored random(Arena arena, SplittableRandom rnd, int rows, int cols, int pad, long offset) {
            int ld = Math.max(cols, 1) + pad;
            long n = offset + (long) Math.max(rows - 1, 0) * ld + cols + 3;   // +3: slack after the last element
            MemorySegment seg = arena.allocate(n * Float.BYTES, 64);
            for (long i = 0; i < n; i++) seg.setAtIndex(F, i, (float) (rnd.nextDouble() * 2 - 1));
            return new Stored(seg, offset, ld, rows, cols);
        }

        Stored copy(Arena arena) {
            MemorySegment s = arena.allocate(seg.byteSize(), 64);
            s.copyFrom(seg);
            return new Stored(s, offset, ld, rows, cols);
        }
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4}")
    @MethodSource("cases")
    void agreesWithNaive(int m, int n, int k, boolean transA, boolean transB) {
        SplittableRandom rnd = new SplittableRandom(m * 1_000_003L + n * 1009L + k);
        try (Arena arena = Arena.ofShared()) {   // shared: JavaBlas's worker threads may read it
            // padded leading dims (sub-matrix views) and nonzero offsets, different for each operand
            Stored a = transA ? Stored.random(arena, rnd, k, m, 3, 5) : Stored.random(arena, rnd, m, k, 3, 5);
            Stored b = transB ? Stored.random(arena, rnd, n, k, 1, 2) : Stored.random(arena, rnd, k, n, 1, 2);
            Stored c = Stored.random(arena, rnd, m, n, 2, 7);
            for (float[] ab : new float[][]{{1f, 0f}, {0.5f, 1f}, {-1.5f, 0.25f}}) {
                Stored expected = c.copy(arena);
                NAIVE.sgemm(transA, transB, m, n, k, ab[0], a.seg, a.offset, a.ld, b.seg, b.offset, b.ld,
                        ab[1], expected.seg, expected.offset, expected.ld);
                for (Blas blas : fast().toList()) {
                    Stored actual = c.copy(arena);
                    blas.sgemm(transA, transB, m, n, k, ab[0], a.seg, a.offset, a.ld, b.seg, b.offset, b.ld,
                            ab[1], actual.seg, actual.offset, actual.ld);
                    assertSameSegment(expected.seg, actual.seg, 2e-6f * (k + 4),
                            blas.name() + " alpha=" + ab[0] + " beta=" + ab[1]);
                }
            }
        }
    }

    /** The whole segment: the computed block within tolerance, the gaps and margins untouched. */
    private static void assertSameSegment(MemorySegment expected, MemorySegment actual, float tol, String what) {
        for (long i = 0; i < expected.byteSize() / Float.BYTES; i++) {
            float e = expected.getAtIndex(F, i), g = actual.getAtIndex(F, i);
            if (!(Math.abs(e - g) <= tol * Math.max(1f, Math.abs(e))))
                fail(what + ": C[" + i + "] = " + g + ", naive gives " + e);
        }
    }

    @Test void confinedMemoryIsComputedOnTheCallingThread() {
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom rnd = new SplittableRandom(3);
            int m = 90, n = 80, k = 70;   // above the parallel threshold
            Stored a = Stored.random(arena, rnd, m, k, 0, 0), b = Stored.random(arena, rnd, k, n, 0, 0);
            MemorySegment c = arena.allocate((long) m * n * Float.BYTES), expected = arena.allocate(c.byteSize());
            NAIVE.sgemm(false, false, m, n, k, 1f, a.seg, 0, k, b.seg, 0, n, 0f, expected, 0, n);
            JAVA.sgemm(false, false, m, n, k, 1f, a.seg, 0, k, b.seg, 0, n, 0f, c, 0, n);
            for (long i = 0; i < (long) m * n; i++)
                assertEquals(expected.getAtIndex(F, i), c.getAtIndex(F, i), 1e-4f, "at " + i);
        }
    }

    @ParameterizedTest @MethodSource("fast")
    void betaZeroIgnoresGarbageInC(Blas blas) {
        int m = 9, n = 21, k = 4;
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom rnd = new SplittableRandom(1);
            Stored a = Stored.random(arena, rnd, m, k, 0, 0), b = Stored.random(arena, rnd, k, n, 0, 0);
            MemorySegment c = arena.allocate((long) m * n * Float.BYTES), expected = arena.allocate(c.byteSize());
            for (long i = 0; i < m * n; i++) c.setAtIndex(F, i, Float.NaN);
            NAIVE.sgemm(false, false, m, n, k, 1f, a.seg, 0, k, b.seg, 0, n, 0f, expected, 0, n);
            blas.sgemm(false, false, m, n, k, 1f, a.seg, 0, k, b.seg, 0, n, 0f, c, 0, n);
            for (long i = 0; i < m * n; i++)
                assertEquals(expected.getAtIndex(F, i), c.getAtIndex(F, i), 1e-5f, blas.name() + " at " + i);
        }
    }

    @Test void handComputedProduct() {
        // (2×3)·(3×2) = [[1·7+2·9+3·11, 1·8+2·10+3·12], [4·7+5·9+6·11, 4·8+5·10+6·12]]
        float[] expected = {58, 64, 139, 154};
        fast().forEach(blas -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment a = arena.allocateFrom(F, 1, 2, 3, 4, 5, 6);
                MemorySegment b = arena.allocateFrom(F, 7, 8, 9, 10, 11, 12);
                MemorySegment c = arena.allocate(4 * Float.BYTES);
                blas.sgemm(false, false, 2, 2, 3, 1f, a, 0, 3, b, 0, 2, 0f, c, 0, 2);
                assertArrayEquals(expected, c.toArray(F), blas.name());
            }
        });
    }

    @ParameterizedTest @MethodSource("fast")
    void outOfBoundsOperandsAreRejectedBeforeNativeCode(Blas blas) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(12 * Float.BYTES), small = arena.allocate(5 * Float.BYTES);
            MemorySegment c = arena.allocate(16 * Float.BYTES);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> blas.sgemm(false, false, 4, 4, 3, 1f, a, 0, 3, small, 0, 4, 0f, c, 0, 4));
            assertTrue(e.getMessage().contains("B (3×4, ld 4, offset 0) needs 48 bytes but its segment has 20"),
                    e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> blas.sgemm(false, false, 4, 4, 3, 1f, a, 0, 2, a, 0, 4, 0f, c, 0, 4));
            assertTrue(e.getMessage().contains("leading dim of A is 2, less than its 3 stored columns"), e.getMessage());
        }
    }

    @Test void registryKnowsEveryNameAndDefaultsToOpenBlas() {
        for (String name : List.of("openblas", "jblas", "java", "naive"))
            assertEquals(name, BlasRegistry.create(name).name());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BlasRegistry.create("mkl"));
        assertTrue(e.getMessage().contains("unknown BLAS 'mkl'") && e.getMessage().contains("openblas, jblas, java"),
                e.getMessage());
        if (System.getProperty("rlhf4j.blas") == null) assertEquals("openblas", BlasRegistry.current().name());
    }

    @Test void nativeLibrariesAreCachedWithTheJarEntrySize() throws Exception {
        var path = NativeLibraries.extract("libquadmath.so.0");
        assertTrue(path.startsWith(NativeLibraries.cacheDir()), path.toString());
        long size = java.nio.file.Files.size(path);
        assertTrue(size > 100_000, "libquadmath is " + size + " bytes");
        var written = java.nio.file.Files.getLastModifiedTime(path);
        Thread.sleep(20);
        assertEquals(path, NativeLibraries.extract("libquadmath.so.0"));
        assertEquals(written, java.nio.file.Files.getLastModifiedTime(path), "reused, not rewritten");
        assertTrue(((OpenBlas) OPENBLAS).describe().contains("OpenBLAS"), ((OpenBlas) OPENBLAS).describe());
    }
}
