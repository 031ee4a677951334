package rlhf4j.rlhf.ppo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import rlhf4j.rlhf.reward.RewardFunction;
import rlhf4j.transformer.io.LlamaConfig;
import rlhf4j.transformer.llama.Llama;
import rlhf4j.transformer.tokenizer.Tokenizer;

/** A tiny random-init Llama over a 16-letter alphabet, and a reward: the fraction of one target token. */
public final class Toy {
    public static final int VOCAB = 16, TARGET = 5, STOP = 1;
    public static final LlamaConfig CONFIG = LlamaConfig.llama2c(16, 32, 1, 2, 2, VOCAB, 32, true);

    /** Letters 'a'.. for ids 0..15. */
    public static final Tokenizer LETTERS = new Tokenizer() {
        @Override public int[] encode(String text) { return text.chars().map(c -> c - 'a').toArray(); }

        @Override public String decode(int[] ids) {
            StringBuilder s = new StringBuilder();
            for (int id : ids) s.append((char) ('a' + id));
            return s.toString();
        }

        @Override public int vocabSize() { return VOCAB; }

        @Override public String token(int id) { return Character.toString('a' + id); }
    };

    /** The fraction of the completion's tokens that are TARGET. */
    public static final RewardFunction TARGET_FRACTION = batch -> {
        float[] out = new float[batch.size()];
        for (int i = 0; i < out.length; i++) {
            int[] c = batch.get(i).completionIds();
            int hits = 0;
            for (int t : c) if (t == TARGET) hits++;
            out[i] = c.length == 0 ? 0 : (float) hits / c.length;
        }
        return out;
    };

    static PpoModels models(long seed) {
        return PpoModels.withValueHead(new Llama(CONFIG, seed), new Llama(CONFIG, seed));
    }

    /** Prompts of 1–3 tokens starting with 0 (a BOS stand-in), so the batch is left-padded. */
    public static List<int[]> prompts(int n) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int len = 1 + i % 3;
            int[] p = new int[len];
            for (int j = 1; j < len; j++) p[j] = 2 + (i * 7 + j * 3) % 14;
            out.add(p);
        }
        return out;
    }

    private static boolean warm;

    /**
     * Runs a few throwaway iterations once per JVM. The CPU kernels' lane reductions may round differently before and
     * after the JIT compiles them, so a test of bit-exact equality must not straddle that moment.
     */
    static synchronized void warmUp() throws java.io.IOException {
        if (warm) return;
        Path tmp = java.nio.file.Files.createTempDirectory("ppo-warmup");
        trainer(config(8), 1, TARGET_FRACTION, tmp).train();
        warm = true;
    }

    static PpoTrainer trainer(PpoConfig cfg, long seed, RewardFunction reward, Path dir) {
        return new PpoTrainer(cfg, models(seed), reward, LETTERS, STOP, prompts(12), dir);
    }

    /** A small, fast configuration. */
    static PpoConfig config(int iterations) {
        return new PpoConfig(new PpoConfig.Sampling(8, 8, 1.0), new PpoConfig.Optimisation(1e-2, 0.0, 1.0, 4, 2),
                new PpoConfig.Loss(0.2, 0.2, 0.1, 0.0), new PpoConfig.Advantage(1.0, 0.95, false, 0.0, 0.0),
                PpoConfig.KlControl.fixed(0.02), new PpoConfig.Stopping(iterations, Double.NaN, 3), new PpoConfig.Checkpointing(0, 2), 99);
    }
}
