package rlhf4j.bench;

import java.util.Locale;
import rlhf4j.tensor.DType;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.dist.Collective;
import rlhf4j.tensor.dist.Collectives;

/**
 * The in-place F32 all-reduce of the data-parallel trainers, timed by size as nccl-tests reports it: time per
 * call, algorithm bandwidth (bytes / time) and bus bandwidth (algbw · 2(N−1)/N, what each link carries in a ring).
 * Run under mpirun: {@code mpirun -np 2 java -cp benchmarks/target/benchmarks.jar rlhf4j.bench.AllReduceBench}.
 * Each size is timed after a barrier over enough calls to last about half a second; rank 0 prints.
 */
public final class AllReduceBench {
    private AllReduceBench() {}

    public static void main(String[] args) {
        Collective world = Collectives.world();
        int n = world.size();
        if (world.isRoot())
            System.out.printf(Locale.ROOT, "all-reduce (sum, F32, in place), %s%n%12s %12s %12s %12s%n", world.describe(),
                    "bytes", "time", "algbw GB/s", "busbw GB/s");
        for (long bytes = 4096; bytes <= (64L << 20); bytes *= 4) {
            Tensor t = Tensor.full(1, DType.F32, Device.CPU, (int) (bytes / 4));
            world.allReduce(t, Collective.Op.SUM);                              // warm-up: connections, pages
            int reps = 1;
            double seconds;
            while (true) {
                world.barrier();
                long t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) world.allReduce(t, Collective.Op.SUM);
                seconds = world.allReduce(new double[]{(System.nanoTime() - t0) / 1e9}, Collective.Op.MAX)[0];
                if (seconds > 0.5 || reps >= 1 << 14) break;
                reps *= 4;
            }
            double perCall = seconds / reps, algbw = bytes / perCall / 1e9;
            if (world.isRoot())
                System.out.printf(Locale.ROOT, "%12d %9.1f µs %12.3f %12.3f%n", bytes, perCall * 1e6, algbw, algbw * 2 * (n - 1) / n);
            t.free();
        }
        world.close();
    }
}
