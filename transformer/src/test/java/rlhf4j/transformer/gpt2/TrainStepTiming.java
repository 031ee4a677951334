package rlhf4j.transformer.gpt2;

import rlhf4j.autograd.Functional;
import rlhf4j.autograd.Variable;
import rlhf4j.autograd.optim.AdamW;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;

/** Quick timing (not a test; run its main): one GPT-2 124M training step (forward, backward, AdamW) at B=4, T=64. */
public final class TrainStepTiming {
    public static void main(String[] args) {
        int b = 4, t = 64, steps = Integer.getInteger("steps", 5);
        Gpt2 model = new Gpt2(GptConfig.gpt2Small(), 1);
        AdamW opt = new AdamW(model.namedParameters(), 3e-4);
        int[] ids = new int[b * t], targets = new int[b * t];
        for (int i = 0; i < ids.length; i++) { ids[i] = (i * 7919) % 50257; targets[i] = (i * 104729 + 1) % 50257; }
        Tensor in = Tensor.ofInts(ids, b, t), target = Tensor.ofInts(targets, b, t);
        for (int s = 0; s < steps; s++) {
            long t0 = System.nanoTime();
            long fwd, bwd;
            float loss;
            try (var scope = MemoryScope.open()) {
                model.zeroGrad();
                Variable l = Functional.crossEntropy(model.forward(in, null), target, -1);
                loss = l.item();
                fwd = System.nanoTime();
                l.backward();
                bwd = System.nanoTime();
                opt.step();
            }
            long end = System.nanoTime();
            System.out.printf("step %d: loss %.3f  forward %.0f ms, backward %.0f ms, AdamW %.0f ms, total %.0f ms%n",
                    s, loss, (fwd - t0) / 1e6, (bwd - fwd) / 1e6, (end - bwd) / 1e6, (end - t0) / 1e6);
        }
    }
}
