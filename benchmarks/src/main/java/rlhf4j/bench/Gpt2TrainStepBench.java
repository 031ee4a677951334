package rlhf4j.bench;

import java.lang.management.ManagementFactory;
import java.util.Locale;
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
import rlhf4j.autograd.Variable;
import rlhf4j.autograd.optim.AdamW;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.transformer.gpt2.Gpt2;
import rlhf4j.transformer.gpt2.GptConfig;

/**
 * One full training step of GPT-2 small (124M: 12 layers, 12 heads, width 768, vocabulary 50257, 1024 positions)
 * on a batch of 4 × 64 tokens on the CPU: forward, cross-entropy, backward, AdamW — llm.c's train_gpt2.c step.
 *
 * <p>Model FLOPs per step (nanoGPT's / PaLM's estimate): tokens × (6N + 12·L·C·T), N = 123.7M parameters without
 * the position table (the tied embedding counts once, as the LM head's matmul), so 256 × (742.0M + 7.1M) = 191.8
 * GFLOP. MFU divides the achieved rate by this run's own FP32 limit: raw OpenBLAS SGEMM of 2048² on all cores
 * ({@link SgemmRate}), measured once at setup. The step time (s/op) is JMH's result; after each iteration the
 * forward/backward/optimizer split, the process's CPU time (steadier than wall time on a shared machine), GFLOP/s
 * and the fraction of the SGEMM rate are printed. The loss is the model's fused head and cross-entropy
 * ({@link Gpt2#lmLoss}), as the trainer computes it.
 *
 * <p>Setup runs {@value #WARM_STEPS} untimed steps first: a single-shot iteration is one step, so with JMH's one
 * warm-up iteration the timed steps would still include the JIT compiling the kernels.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class Gpt2TrainStepBench {
    static final int BATCH = 4, TOKENS = 64;
    static final int SGEMM_N = 2048, WARM_STEPS = 3;
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private double sgemmGflops;                  // this run's largest raw OpenBLAS SGEMM rate

    private Gpt2 model;
    private AdamW optimizer;
    private Tensor inputs, targets;             // (BATCH, TOKENS) I32
    private long forwardNanos, backwardNanos, optimizerNanos, cpuNanos;

    @Setup(Level.Trial)
    public void setUp() {
        model = new Gpt2(GptConfig.gpt2Small(), 1);
        var params = model.namedParameters();
        optimizer = new AdamW(params, 3e-4, 0.9, 0.999, 1e-8, 0.0);          // llm.c: no weight decay in its test step
        int[] x = new int[BATCH * TOKENS], y = new int[BATCH * TOKENS];
        for (int i = 0; i < x.length; i++) {
            x[i] = (int) ((i * 7919L + 13) % 50257);
            y[i] = (int) (((i + 1) * 7919L + 13) % 50257);
        }
        inputs = Tensor.ofInts(x, BATCH, TOKENS);
        targets = Tensor.ofInts(y, BATCH, TOKENS);
        SgemmRate rate = SgemmRate.measure(SGEMM_N, 5);
        sgemmGflops = rate.gflops();
        System.out.printf(Locale.ROOT, "%n  raw OpenBLAS SGEMM %d²: %.1f GFLOP/s (%s), a step's FLOPs in %.3f s at that rate%n",
                SGEMM_N, sgemmGflops, rate.library(), flopsPerStep(GptConfig.gpt2Small()) / 1e9 / sgemmGflops);
        for (int i = 0; i < WARM_STEPS; i++) trainStep();
        forwardNanos = backwardNanos = optimizerNanos = cpuNanos = 0;
    }

    /** Model FLOPs of one step (see the class notes). */
    static double flopsPerStep(GptConfig c) {
        double n = 12.0 * c.nLayer() * c.nEmbd() * c.nEmbd() + 13.0 * c.nLayer() * c.nEmbd()   // blocks: weights, biases, norms
                + (double) c.vocabSize() * c.nEmbd() + 2.0 * c.nEmbd();                         // wte (tied head), ln_f
        double perToken = 6 * n + 12.0 * c.nLayer() * c.nEmbd() * TOKENS;
        return perToken * BATCH * TOKENS;
    }

    @Benchmark
    public float trainStep() {
        long c0 = OS.getProcessCpuTime(), t0 = System.nanoTime();
        optimizer.zeroGrad();
        float loss;
        try (MemoryScope step = MemoryScope.open()) {
            Variable hidden = model.hidden(inputs, null);                         // (B, T, C)
            Variable l = model.lmLoss(hidden, targets, -100);                     // ()
            loss = l.item();
            long t1 = System.nanoTime();
            l.backward();
            long t2 = System.nanoTime();
            optimizer.step();
            long t3 = System.nanoTime();
            forwardNanos += t1 - t0;
            backwardNanos += t2 - t1;
            optimizerNanos += t3 - t2;
        }
        cpuNanos += OS.getProcessCpuTime() - c0;
        return loss;
    }

    @TearDown(Level.Iteration)
    public void report() {
        double total = (forwardNanos + backwardNanos + optimizerNanos) / 1e9;
        double gflops = flopsPerStep(GptConfig.gpt2Small()) / 1e9 / total;
        System.out.printf(Locale.ROOT, "%n  step %.3f s = forward %.3f + backward %.3f + AdamW %.3f (process CPU %.3f s); %.1f GFLOP/s, %.1f%% of the SGEMM rate %.1f%n",
                total, forwardNanos / 1e9, backwardNanos / 1e9, optimizerNanos / 1e9, cpuNanos / 1e9, gflops,
                100 * gflops / sgemmGflops, sgemmGflops);
        forwardNanos = backwardNanos = optimizerNanos = cpuNanos = 0;
    }
}
