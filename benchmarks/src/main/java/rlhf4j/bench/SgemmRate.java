package rlhf4j.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import rlhf4j.tensor.blas.OpenBlas;
import rlhf4j.tensor.cpu.Parallel;

/**
 * The practical FP32 limit of this machine, measured in the same run as what is compared with it: raw OpenBLAS
 * SGEMM C = A·B of n × n matrices on all cores, 2n³ FLOP per call, the best of a few timed calls after a warm-up.
 * All cores are used both ways OpenBLAS can be run: its own threads on the whole product, and one library thread
 * per core on a block of C's columns each (the backend's way); the faster counts, so the limit is never the
 * slower mode's (OpenBLAS's spinning threads lose much on cores shared with other processes).
 *
 * @param gflops  the best rate, GFLOP/s
 * @param library OpenBLAS's description (version, the kernel it chose for this CPU), the faster mode, and the
 *                environment's OPENBLAS_CORETYPE when that forced the kernel (an AVX2 one halves SGEMM on AVX-512)
 */
record SgemmRate(double gflops, String library) {

    /** The best of {@code calls} SGEMMs of size n in each mode (after two untimed ones). */
    static SgemmRate measure(int n, int calls) {
        int cores = Runtime.getRuntime().availableProcessors();
        String forced = System.getenv("OPENBLAS_CORETYPE");              // overrides OpenBLAS's own CPU detection
        // shared, not confined: segments of a second scope kind beside the tensors' make the JIT's profile of the
        // kernels' memory accesses polymorphic, which measured AdamW's fused kernel 50× slower for the whole run
        try (Arena arena = Arena.ofShared()) {
            long bytes = (long) n * n * Float.BYTES;
            MemorySegment a = arena.allocate(bytes, 64), b = arena.allocate(bytes, 64), c = arena.allocate(bytes, 64);
            for (long i = 0; i < (long) n * n; i++) {
                a.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.sin(i));
                b.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.cos(i));
            }
            OpenBlas threaded = new OpenBlas(cores);
            String kernel = threaded.describe().replaceAll(", \\d+ threads$", "");
            long libraryThreads = best(calls, () -> threaded.sgemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n));
            OpenBlas single = new OpenBlas(1);                          // also the backend's setting again
            long perCore = best(calls, () -> Parallel.forParts(n, cores, (j0, j1) -> single.sgemm(false, false, n,
                    (int) (j1 - j0), n, 1f, a, 0, n, b, j0, n, 0f, c, j0, n)));
            String mode = libraryThreads <= perCore ? cores + " OpenBLAS threads" : cores + " single-thread calls side by side";
            String library = kernel + ", " + mode + (forced != null ? ", kernel forced by OPENBLAS_CORETYPE=" + forced : "");
            return new SgemmRate(2.0 * n * n * n / Math.min(libraryThreads, perCore), library);   // FLOP/ns = GFLOP/s
        } finally {
            new OpenBlas();   // the thread count is the library's global: back to the backend's setting
        }
    }

    /** The shortest of {@code calls} timed runs, after two untimed ones, in ns. */
    private static long best(int calls, Runnable gemm) {
        long best = Long.MAX_VALUE;
        for (int k = 0; k < calls + 2; k++) {
            long t0 = System.nanoTime();
            gemm.run();
            if (k >= 2) best = Math.min(best, System.nanoTime() - t0);
        }
        return best;
    }
}
