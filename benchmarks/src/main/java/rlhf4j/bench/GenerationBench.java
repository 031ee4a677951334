package rlhf4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.Warmup;
import rlhf4j.transformer.generate.Generation;
import rlhf4j.transformer.generate.Generator;
import rlhf4j.transformer.generate.SamplingConfig;
import rlhf4j.transformer.llama.Llama;

/**
 * Token generation with llama2.c's stories260K (dim 64, 5 layers, 8 heads, 4 KV heads, vocabulary 512),
 * temperature 1. One stream: {@value #NEW_TOKENS} tokens after BOS, no stop token (as llama2.c's
 * {@code run.c -n 256}). Several streams: a rollout batch, prompts of 1 to 32 tokens of a story (each stream
 * its own length) and up to {@value #NEW_TOKENS} new tokens, each stream stopping at BOS (the end of its story).
 * The {@code tokens} counter reads as generated tokens per second over all streams (prompt tokens not counted).
 *
 * <p>Without JMH, with CPU time too (on a shared machine tokens per CPU-second is what load changes least):
 * {@code java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar rlhf4j.bench.GenerationBench
 * STREAMS ITERATIONS}.
 *
 * <p>The checkpoint is {@code shared/data/stories260k/stories260K.bin}, found upward from the working directory
 * or at {@code -Drlhf4j.stories260k=PATH}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class GenerationBench {
    static final int NEW_TOKENS = 256, BOS = 1;

    @Param({"1", "64"})
    public int streams;

    private Generator generator;
    private int[][] prompts;
    private long seed;

    /** Generated tokens, in the ops/s column as tokens per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Tokens {
        public double tokens;

        @Setup(Level.Iteration) public void reset() { tokens = 0; }
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        generator = new Generator(Llama.fromLlama2c(checkpoint()));
        prompts = new int[streams][];
        if (streams == 1) {
            prompts[0] = new int[]{BOS};
            return;
        }
        int[] story = generator.generate(new int[][]{{BOS}}, SamplingConfig.greedy(40, -1), 0).tokens()[0];
        for (int r = 0; r < streams; r++) {
            prompts[r] = new int[1 + r % 32];                     // BOS and the story's first r mod 32 tokens
            prompts[r][0] = BOS;
            System.arraycopy(story, 0, prompts[r], 1, prompts[r].length - 1);
        }
    }

    static Path checkpoint() {
        String set = System.getProperty("rlhf4j.stories260k");
        if (set != null) return Path.of(set);
        return rlhf4j.transformer.data.DataSets.file("stories260k/stories260K.bin");
    }

    @Benchmark
    public Generation generate(Tokens count) {
        Generation g = generator.generate(prompts, SamplingConfig.sample(1.0, NEW_TOKENS, streams == 1 ? -1 : BOS), seed++);
        for (int[] row : g.tokens()) count.tokens += row.length;
        return g;
    }

    /**
     * STREAMS ITERATIONS: prints each iteration's tokens per wall second and per CPU second of the process (a coarse
     * clock: read the summary over the second half, the warm iterations).
     */
    public static void main(String[] args) throws IOException {
        GenerationBench b = new GenerationBench();
        b.streams = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        b.setUp();
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        double tokens = 0, wallSum = 0, cpuSum = 0;
        for (int i = 0; i < iterations; i++) {
            Tokens count = new Tokens();
            long cpu = os.getProcessCpuTime(), wall = System.nanoTime();
            b.generate(count);
            double wallS = (System.nanoTime() - wall) / 1e9, cpuS = (os.getProcessCpuTime() - cpu) / 1e9;
            System.out.printf(java.util.Locale.ROOT, "streams %d: %.0f tokens in %.1f ms, %.0f tok/s%n", b.streams, count.tokens,
                    wallS * 1e3, count.tokens / wallS);
            if (i >= iterations / 2) {
                tokens += count.tokens;
                wallSum += wallS;
                cpuSum += cpuS;
            }
        }
        System.out.printf(java.util.Locale.ROOT, "streams %d, last %d iterations: %.0f tok/s, %.0f tok per CPU-second%n",
                b.streams, iterations - iterations / 2, tokens / wallSum, tokens / cpuSum);
    }
}
