package rlhf4j.cuda;

import static org.junit.jupiter.api.Assertions.*;
import static rlhf4j.cuda.GpuTesting.*;

import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import rlhf4j.autograd.Functional;
import rlhf4j.autograd.Variable;
import rlhf4j.autograd.nn.Linear;
import rlhf4j.autograd.nn.Module;
import rlhf4j.autograd.nn.RMSNorm;
import rlhf4j.autograd.nn.Sequential;
import rlhf4j.autograd.optim.AdamW;
import rlhf4j.autograd.optim.GradClip;
import rlhf4j.autograd.optim.Optimizer;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.transformer.gpt2.Gpt2;
import rlhf4j.transformer.gpt2.GptConfig;

/**
 * GPU (or emulated GPU) only: a model trained for 50 AdamW steps on CUDA follows the same loss curve as the same
 * model trained on the CPU backend. Both start from bit-identical weights (the CPU model's state dict is copied to
 * the device), see the same batches, and run every kernel of a training step: GEMMs, embeddings, LayerNorm/RMSNorm,
 * attention's softmax and causal mask, GELU, cross-entropy, gradient clipping, AdamW.
 *
 * <p>The two runs round differently (other summation orders in cuBLAS and the row reductions, CUDA's expf and tanhf
 * against the CPU's polynomials): ~1e-6 relative per op. AdamW normalises each update, so a near-zero gradient
 * coordinate whose sign rounds differently moves its weight by a full ±lr, but such a weight barely moves the loss;
 * the curves stay far closer than the tolerance, which is what a wrong kernel exceeds.
 */
class CudaTrainingParityTest {
    static final int STEPS = 50;
    /** Step 1 is a forward pass from identical weights: only per-op rounding (~1e-6 relative) separates the two. */
    static final double FORWARD_TOLERANCE = 1e-5;
    /**
     * Later steps: |loss_gpu − loss_cpu| ≤ 2e-3·(1 + loss_cpu). The emulator stays within 3e-7 of the CPU; a GPU's
     * ~1e-6 per-op rounding grows little over 50 steps, while one LayerNorm weight gradient missing 1 row in 64
     * already moves the GPT-2 curve by 1.4e-2.
     */
    static final double LOSS_TOLERANCE = 2e-3;

    @BeforeEach void needsCuda() { assumeGpu(); }

    /** An MLP with an RMSNorm between its layers, classifying 64 points of 12 features into 5 classes. */
    @Test void mlpTrainsTheSameOnCudaAndCpu() {
        Function<Device, Sequential> build = device -> new Sequential(new Linear(12, 48, true, 3, device),
                Sequential.of(Variable::gelu), new RMSNorm(48, 1e-6, device), new Linear(48, 5, true, 4, device));
        Tensor x = Tensor.randn(10, 64, 12);
        int[] labels = new int[64];
        float[] xs = x.toFloatArray();
        for (int i = 0; i < 64; i++) labels[i] = Math.floorMod((int) Math.floor(3 * (xs[12 * i] + xs[12 * i + 1] * xs[12 * i + 2])), 5);
        Tensor y = Tensor.ofInts(labels, 64);
        Curves c = train(build, (model, device) -> Functional.crossEntropy(
                ((Sequential) model).forward(Variable.constant(x.to(device))), y.to(device), -1));
        c.assertSame("MLP");
    }

    /** A two-block GPT-2 (two attention heads, width 32) learning next-token prediction on a fixed 4 × 16 batch. */
    @Test void twoBlockGpt2TrainsTheSameOnCudaAndCpu() {
        GptConfig config = new GptConfig(2, 2, 32, 16, 23, 0.0);
        int[] ids = new int[4 * 17];
        for (int i = 0; i < ids.length; i++) ids[i] = (i * i + 3 * (i / 17)) % 23;   // a learnable pattern per row
        Tensor seq = Tensor.ofInts(ids, 4, 17);
        Tensor in = seq.narrow(1, 0, 16).contiguous(), target = seq.narrow(1, 1, 16).contiguous();
        Curves c = train(device -> new Gpt2(config, 5, device), (model, device) -> Functional.crossEntropy(
                ((Gpt2) model).forward(in.to(device), null), target.to(device), -1));
        c.assertSame("GPT-2");
    }

    interface Loss { Variable of(Module model, Device device); }

    /** The per-step losses of the same model trained on the CPU and on CUDA from the same weights. */
    record Curves(float[] cpu, float[] gpu) {
        void assertSame(String what) {
            assertEquals(cpu[0], gpu[0], FORWARD_TOLERANCE * (1 + Math.abs(cpu[0])), what + ": the first forward pass");
            for (int s = 0; s < STEPS; s++) {
                assertTrue(Float.isFinite(gpu[s]), what + " step " + s + ": CUDA loss " + gpu[s]);
                assertEquals(cpu[s], gpu[s], LOSS_TOLERANCE * (1 + Math.abs(cpu[s])),
                        what + " step " + (s + 1) + " of " + STEPS + ": CUDA loss " + gpu[s] + ", CPU loss " + cpu[s]);
            }
            assertTrue(cpu[STEPS - 1] < 0.5 * cpu[0], what + " trained: loss " + cpu[0] + " → " + cpu[STEPS - 1]);
        }
    }

    static <M extends Module> Curves train(Function<Device, M> build, Loss loss) {
        M onCpu = build.apply(Device.CPU), onGpu = build.apply(GPU);
        onGpu.loadStateDict(onCpu.stateDict(), true);                         // bit-identical starting weights
        return new Curves(losses(onCpu, Device.CPU, loss), losses(onGpu, GPU, loss));
    }

    static float[] losses(Module model, Device device, Loss loss) {
        Optimizer opt = new AdamW(model.namedParameters(), 1e-2, 0.9, 0.99, 1e-8, 0.01);
        float[] out = new float[STEPS];
        for (int s = 0; s < STEPS; s++) {
            opt.zeroGrad();
            try (var scope = MemoryScope.open()) {
                Variable l = loss.of(model, device);
                l.backward();
                GradClip.clipGradNorm(model.parameters(), 1.0);
                opt.step();
                out[s] = l.item();
            }
        }
        return out;
    }
}
