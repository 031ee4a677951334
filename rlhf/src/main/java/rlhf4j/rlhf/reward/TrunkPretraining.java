package rlhf4j.rlhf.reward;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import rlhf4j.autograd.Functional;
import rlhf4j.autograd.Variable;
import rlhf4j.autograd.optim.AdamW;
import rlhf4j.autograd.optim.GradClip;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.transformer.gpt2.Gpt2;
import rlhf4j.transformer.gpt2.GptConfig;
import rlhf4j.transformer.tokenizer.BpeTokenizer;
import rlhf4j.transformer.tokenizer.BpeTrainer;

/**
 * A small GPT-2 trunk made from the task's own texts when no pretrained one fits: a byte-level BPE trained on them,
 * then next-token prediction on the texts joined by {@code <|endoftext|>} in random windows. A reward model or
 * classifier started from this trunk already knows the words and their contexts, which helps a head trained on
 * only a few thousand labels.
 */
public final class TrunkPretraining {
    private TrunkPretraining() {}

    /**
     * @param layers  transformer blocks      @param heads attention heads
     * @param width   model width C           @param context positions T
     * @param steps   optimiser steps (0 = the random trunk)
     * @param batch   windows per step
     */
    public record Config(int layers, int heads, int width, int context, int steps, int batch, double lr, long seed) {}

    /** Progress: step, steps, loss. */
    public interface Listener { void onStep(int step, int steps, double loss); }

    public static BpeTokenizer tokenizer(List<String> texts, int vocabSize) {
        return BpeTrainer.train(String.join("\n", texts), vocabSize, BpeTrainer.DEFAULT_SPECIALS);
    }

    /** A GPT-2 of the config's shape, trained on the texts for config.steps steps (no dropout). */
    public static Gpt2 pretrain(List<String> texts, BpeTokenizer tokenizer, Config config, Device device, Listener listener) {
        Gpt2 model = new Gpt2(new GptConfig(config.layers(), config.heads(), config.width(), config.context(),
                tokenizer.vocabSize(), 0.0), config.seed(), device);
        if (config.steps() == 0) return model;
        List<Integer> stream = new ArrayList<>();                                 // texts joined by <|endoftext|>
        for (String t : texts) {
            for (int id : tokenizer.encode(t)) stream.add(id);
            stream.add(tokenizer.eosId());
        }
        int t = config.context(), b = config.batch();
        if (stream.size() <= t + 1) throw new IllegalArgumentException("the texts give " + stream.size() + " tokens, too few for windows of " + t);
        var params = model.namedParameters();
        AdamW opt = new AdamW(params, config.lr(), 0.9, 0.95, 1e-8, 0.1).decayOnly(n -> params.get(n).dim() >= 2);
        Random rng = new Random(config.seed());
        for (int s = 1; s <= config.steps(); s++) {
            int[] in = new int[b * t], target = new int[b * t];                   // (B, T) each
            for (int r = 0; r < b; r++) {
                int start = rng.nextInt(stream.size() - t - 1);
                for (int i = 0; i < t; i++) { in[r * t + i] = stream.get(start + i); target[r * t + i] = stream.get(start + i + 1); }
            }
            // linear warm-up over the first 5% of steps, then cosine decay to 10%
            int warm = Math.max(1, config.steps() / 20);
            double f = s <= warm ? (double) s / warm : 0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * (s - warm) / Math.max(1, config.steps() - warm)));
            opt.setLr(config.lr() * f);
            try (MemoryScope step = MemoryScope.open()) {
                opt.zeroGrad();
                Variable loss = Functional.crossEntropy(model.forward(Tensor.ofInts(in, b, t).to(device), null),
                        Tensor.ofInts(target, b, t).to(device), -1);
                float value = loss.item();
                loss.backward();
                GradClip.clipGradNorm(params.values(), 1.0);
                opt.step();
                if (listener != null) listener.onStep(s, config.steps(), value);
            }
        }
        return model;
    }
}
