package rlhf4j.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.blas.Blas;
import rlhf4j.tensor.blas.BlasRegistry;
import rlhf4j.tensor.blas.OpenBlas;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Square single-precision GEMM, C (n×n) = A (n×n) · B (n×n), on each BLAS, two ways:
 * <ul>
 *   <li>{@code raw}: one {@link Blas#sgemm} call on preallocated native segments;</li>
 *   <li>{@code tensor}: {@code a.matmul(b)} through the Tensor API, including allocating the output, inside a
 *       {@link MemoryScope} per invocation so the output is freed at once (to the CPU allocator's cache).</li>
 * </ul>
 * For OpenBLAS the two paths are the two ways to use every core: {@code raw} lets the library thread the call itself
 * ({@code openblas_set_num_threads(cores)}), {@code tensor} uses rlhf4j's default (one library thread, the CPU
 * backend splitting the product over its own pool). jblas runs one thread per call (the backend splits it too);
 * the pure-Java GEMM threads itself in both paths.
 * The primary score is GEMM calls per second; one call is 2·n³ floating-point operations (n³ multiply-adds), and
 * the secondary metric {@code :gflop} reports exactly that rate in GFLOP/s.
 *
 * <pre>./rlhf4j bench GemmBench -p n=1024,2048</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class GemmBench {
    @Param({"openblas", "jblas", "java"})
    public String backend;

    @Param({"64", "256", "1024", "2048"})
    public int n;

    private Blas blas;
    private Arena arena;
    private MemorySegment a, b, c;   // (n, n) each, row-major
    private Tensor ta, tb;           // (n, n) long-lived tensors for the Tensor-API path
    private double gflopPerCall;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        boolean raw = params.getBenchmark().endsWith(".raw");
        int cores = Runtime.getRuntime().availableProcessors();
        blas = raw && backend.equals("openblas") ? new OpenBlas(cores) : BlasRegistry.create(backend);
        BlasRegistry.use(blas);   // the Tensor API's matmul goes through the registry
        arena = Arena.ofShared();
        long bytes = (long) n * n * Float.BYTES;
        a = arena.allocate(bytes, 64);
        b = arena.allocate(bytes, 64);
        c = arena.allocate(bytes, 64);
        for (long i = 0; i < (long) n * n; i++) {
            a.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.sin(i));
            b.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.cos(i));
        }
        ta = Tensor.randn(1, n, n);
        tb = Tensor.randn(2, n, n);
        gflopPerCall = 2.0 * n * n * n / 1e9;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
        ta.free();
        tb.free();
    }

    @Benchmark
    public void raw(Rates.Flops flops) {
        blas.sgemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
        flops.gflop += gflopPerCall;
    }

    @Benchmark
    public void tensor(Rates.Flops flops, Blackhole bh) {
        try (MemoryScope scope = MemoryScope.open()) {
            bh.consume(ta.matmul(tb));
        }
        flops.gflop += gflopPerCall;
    }
}
