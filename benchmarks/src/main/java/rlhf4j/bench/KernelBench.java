package rlhf4j.bench;

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
import rlhf4j.tensor.Backend;
import rlhf4j.tensor.Backends;
import rlhf4j.tensor.DType;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.UnaryOp;

/**
 * The memory-bound kernels of a GPT-2-small training step on the CPU backend, called through the {@link Backend}
 * SPI on preallocated tensors (so allocation is not measured), at GPT-2 sizes: 256 rows (e.g. batch 4 × 64
 * tokens), C = 768 channels, 3072 MLP channels, V = 50257 vocabulary entries.
 *
 * <p>The secondary metric {@code :gbytes} is GB/s = (bytes that must cross the memory bus) / time: every input
 * read once and every output written once, at 4 bytes per element. A kernel that reads its input twice (e.g.
 * max, then exp-sum, then normalise) moves more than that, so a score near {@link MemoryBandwidthBench}'s copy
 * rate means it streams well. Per invocation, with R rows:
 * <ul>
 *   <li>softmax R×C: read x, write y: 8·R·C;</li>
 *   <li>layerNorm forward + backward R×C: forward reads x, writes out (8RC), reads weight and bias (8C), writes
 *       mean and rstd (8R); backward reads dy and x, writes dx (12RC), reads weight (4C), mean and rstd (8R), and
 *       reads and writes dweight and dbias (16C): 20·R·C + 28·C + 16·R in all;</li>
 *   <li>GELU R×C: read x, write y: 8·R·C;</li>
 *   <li>cross-entropy forward + backward R×V: forward reads the logits (4RV), targets (4R), writes losses and
 *       logsumexp (8R); backward reads the logits again, writes dlogits (8RV), reads targets, logsumexp and
 *       dlosses (12R): 12·R·V + 24·R.</li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class KernelBench {
    static final int R = 256, C = 768, MLP = 3072, V = 50257;

    private Backend cpu;
    private MemoryScope scope;   // owns every tensor below; closed at the end of the trial
    // softmax over the vocabulary and over a model-width row
    private Tensor logits, probs;            // (R, V)
    private Tensor hidden, hiddenOut;        // (R, C)
    // layer norm
    private Tensor lnW, lnB, lnDw, lnDb;     // (C)
    private Tensor lnMean, lnRstd;           // (R)
    private Tensor lnDy, lnDx;               // (R, C)
    // GELU on the MLP activations
    private Tensor mlp, mlpOut;              // (R, MLP)
    // cross-entropy
    private Tensor targets;                  // (R) I32
    private Tensor losses, lse, dLosses;     // (R)
    private Tensor dLogits;                  // (R, V)

    @Setup(Level.Trial)
    public void setUp() {
        cpu = Backends.cpu();
        scope = MemoryScope.open();
        logits = Tensor.randn(1, R, V);
        probs = Tensor.empty(R, V);
        hidden = Tensor.randn(2, R, C);
        hiddenOut = Tensor.empty(R, C);
        lnW = Tensor.ones(C);
        lnB = Tensor.zeros(C);
        lnDw = Tensor.zeros(C);
        lnDb = Tensor.zeros(C);
        lnMean = Tensor.empty(R);
        lnRstd = Tensor.empty(R);
        lnDy = Tensor.randn(3, R, C);
        lnDx = Tensor.empty(R, C);
        mlp = Tensor.randn(4, R, MLP);
        mlpOut = Tensor.empty(R, MLP);
        int[] t = new int[R];
        for (int i = 0; i < R; i++) t[i] = (i * 7919) % V;
        targets = Tensor.ofInts(t, R);
        losses = Tensor.empty(R);
        lse = Tensor.empty(R);
        dLosses = Tensor.full(1.0 / R, DType.F32, Device.CPU, R);
        dLogits = Tensor.empty(R, V);
    }

    @TearDown(Level.Trial)
    public void tearDown() { scope.close(); }

    @Benchmark
    public void softmaxVocab(Rates.Bytes bytes) {
        cpu.softmax(logits, probs, false);
        bytes.gbytes += 8.0 * R * V / 1e9;
    }

    @Benchmark
    public void softmaxHidden(Rates.Bytes bytes) {
        cpu.softmax(hidden, hiddenOut, false);
        bytes.gbytes += 8.0 * R * C / 1e9;
    }

    @Benchmark
    public void layerNormForwardBackward(Rates.Bytes bytes) {
        cpu.layerNorm(hidden, lnW, lnB, 1e-5f, hiddenOut, lnMean, lnRstd);
        cpu.layerNormBackward(lnDy, hidden, lnW, lnMean, lnRstd, lnDx, lnDw, lnDb);
        bytes.gbytes += (20.0 * R * C + 28.0 * C + 16.0 * R) / 1e9;
    }

    @Benchmark
    public void gelu(Rates.Bytes bytes) {
        cpu.unary(UnaryOp.GELU, mlp, 0, mlpOut);
        bytes.gbytes += 8.0 * R * MLP / 1e9;
    }

    @Benchmark
    public void crossEntropyForwardBackward(Rates.Bytes bytes) {
        cpu.crossEntropy(logits, targets, -100, losses, lse);
        cpu.crossEntropyBackward(logits, targets, -100, lse, dLosses, dLogits);
        bytes.gbytes += (12.0 * R * V + 24.0 * R) / 1e9;
    }
}
