package rlhf4j.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import rlhf4j.tensor.blas.Blas;
import rlhf4j.tensor.blas.OpenBlas;

/**
 * The practical FP32 limit of this machine, measured in the same run as what is compared with it: raw OpenBLAS
 * SGEMM C = A·B of n × n matrices on all cores, 2n³ FLOP per call, the best of a few timed calls after a warm-up.
 */
final class SgemmRate {
    private SgemmRate() {}

    /** GFLOP/s of the best of {@code calls} SGEMMs of size n (after two untimed ones). */
    static double measure(int n, int calls) {
        Blas blas = new OpenBlas(Runtime.getRuntime().availableProcessors());
        try (Arena arena = Arena.ofConfined()) {
            long bytes = (long) n * n * Float.BYTES;
            MemorySegment a = arena.allocate(bytes, 64), b = arena.allocate(bytes, 64), c = arena.allocate(bytes, 64);
            for (long i = 0; i < (long) n * n; i++) {
                a.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.sin(i));
                b.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.cos(i));
            }
            long best = Long.MAX_VALUE;
            for (int k = 0; k < calls + 2; k++) {
                long t0 = System.nanoTime();
                blas.sgemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
                if (k >= 2) best = Math.min(best, System.nanoTime() - t0);
            }
            return 2.0 * n * n * n / best;                     // FLOP per ns = GFLOP/s
        }
    }
}
