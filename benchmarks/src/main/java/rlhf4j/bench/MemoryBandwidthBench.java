package rlhf4j.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's memory bandwidth as one thread sees it: copy a 256 MiB native segment into another (far larger
 * than any cache). Bytes moved per copy = 2 × 256 MiB (read the source, write the destination; write-allocate
 * traffic not counted), reported as {@code :gbytes} in GB/s, the yardstick for {@link KernelBench}'s figures.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class MemoryBandwidthBench {
    static final long SIZE = 256L << 20;

    private Arena arena;
    private MemorySegment src, dst;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        src = arena.allocate(SIZE, 4096);
        dst = arena.allocate(SIZE, 4096);
        src.fill((byte) 1);
        dst.fill((byte) 0);   // touch every page now so page faults are not measured
    }

    @TearDown(Level.Trial)
    public void tearDown() { arena.close(); }

    @Benchmark
    public void copy(Rates.Bytes bytes) {
        MemorySegment.copy(src, 0, dst, 0, SIZE);
        bytes.gbytes += 2.0 * SIZE / 1e9;
    }
}
