package rlhf4j.bench;

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
import org.openjdk.jmh.annotations.Warmup;
import rlhf4j.autograd.Functional;
import rlhf4j.autograd.Variable;
import rlhf4j.autograd.nn.Linear;
import rlhf4j.autograd.optim.AdamW;
import rlhf4j.autograd.optim.GradClip;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;

/**
 * One training step of a 2-layer MLP classifier: forward (Linear, GELU, Linear, cross-entropy), backward, global
 * grad-norm clipping and AdamW, with the step's temporaries in a {@link MemoryScope}.
 *
 * <p>At {@code width=64} (batch 32, 64 → 64 → 10) the arithmetic is about 320k multiply-adds in five small GEMMs
 * (some 9 µs of single-threaded OpenBLAS on a Zen 4 core) plus GELU, cross-entropy and AdamW over a few thousand
 * elements; the rest of a step is the per-op overhead of the tensor, autograd and optimizer layers (about 45
 * backend calls per step). {@code width=1024} shows the same step where the GEMMs dominate. The result is steps
 * per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class MlpStepBench {
    static final int BATCH = 32, CLASSES = 10;

    @Param({"64", "1024"})
    public int width;

    private Linear fc1, fc2;
    private AdamW optimizer;
    private Tensor inputs;    // (BATCH, width)
    private Tensor labels;    // (BATCH) I32

    @Setup(Level.Trial)
    public void setUp() {
        fc1 = new Linear(width, width, true, 1, Device.CPU);
        fc2 = new Linear(width, CLASSES, true, 2, Device.CPU);
        var params = new java.util.LinkedHashMap<String, rlhf4j.autograd.Parameter>();
        fc1.namedParameters().forEach((k, v) -> params.put("fc1." + k, v));
        fc2.namedParameters().forEach((k, v) -> params.put("fc2." + k, v));
        optimizer = new AdamW(params, 1e-3);
        inputs = Tensor.randn(3, BATCH, width);
        int[] y = new int[BATCH];
        for (int i = 0; i < BATCH; i++) y[i] = i % CLASSES;
        labels = Tensor.ofInts(y, BATCH);
    }

    @Benchmark
    public float trainStep() {
        optimizer.zeroGrad();
        try (MemoryScope step = MemoryScope.open()) {
            Variable h = fc1.forward(Variable.constant(inputs)).gelu();          // (BATCH, width)
            Variable logits = fc2.forward(h);                                    // (BATCH, CLASSES)
            Variable loss = Functional.crossEntropy(logits, labels, -1);         // ()
            loss.backward();
            GradClip.clipGradNorm(optimizer.parameters().values(), 1.0);
            optimizer.step();
            return loss.item();
        }
    }
}
