package rlhf4j.rlhf.stage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import rlhf4j.rlhf.reward.TrunkPretraining;
import rlhf4j.transformer.Policy;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.tokenizer.BpeTokenizer;
import rlhf4j.transformer.tokenizer.Tokenizer;
import rlhf4j.transformer.train.ProgressBar;

/**
 * Where a reward model's or classifier's trunk comes from: a checkpoint (usually the policy itself), or a small GPT-2
 * made from the task's own texts (a byte-level BPE trained on them, optionally next-token pretrained on them first).
 */
public sealed interface TrunkSource {

    /** A trunk, its tokenizer, and a line saying where it came from (stored with the trained model). */
    record Trunk(TransformerModel model, Tokenizer tokenizer, String description) {}

    /** The trunk; {@code corpus} feeds a scratch trunk's BPE and pretraining, {@code seed} its initialisation. */
    Trunk build(List<String> corpus, long seed, StageContext ctx) throws IOException;

    /** A checkpoint (llama2.c .bin or a GPT-2 / Llama directory) and its tokenizer (null: found as {@link Policy#load} finds it). */
    record Checkpoint(Path checkpoint, Path tokenizer) implements TrunkSource {
        @Override public Trunk build(List<String> corpus, long seed, StageContext ctx) throws IOException {
            Policy p = Policy.load(checkpoint, tokenizer, ctx.device());
            return new Trunk(p.model(), p.tokenizer(), checkpoint.toString());
        }
    }

    /**
     * A new GPT-2 of this shape with a BPE of {@code bpeVocab} tokens trained on the corpus, then {@code pretraining}
     * next-token steps on it (0 steps: the random trunk).
     */
    record Scratch(int layers, int heads, int width, int context, int bpeVocab, Pretraining pretraining) implements TrunkSource {
        /** Optimiser steps, windows per step, learning rate. */
        public record Pretraining(int steps, int batch, double lr) {}

        /** 2 blocks, 4 heads, width 128, context 128, BPE 1024, no pretraining (batch 16, lr 1e-3 when there is). */
        public static Scratch defaults() { return new Scratch(2, 4, 128, 128, 1024, new Pretraining(0, 16, 1e-3)); }

        @Override public Trunk build(List<String> corpus, long seed, StageContext ctx) {
            long t0 = System.nanoTime();
            BpeTokenizer tok = TrunkPretraining.tokenizer(corpus, bpeVocab);
            ctx.err().printf(Locale.ROOT, "BPE of %d tokens trained on %d texts in %.1f s%n", tok.vocabSize(), corpus.size(), (System.nanoTime() - t0) / 1e9);
            var cfg = new TrunkPretraining.Config(layers, heads, width, context, pretraining.steps(), pretraining.batch(), pretraining.lr(), seed);
            ProgressBar bar = ProgressBar.on(ctx.err(), "pretrain", pretraining.steps());
            TransformerModel m = TrunkPretraining.pretrain(corpus, tok, cfg, ctx.device(),
                    (s, n, loss) -> bar.update(s, String.format(Locale.ROOT, "loss %.4f", loss)));
            bar.finish();
            return new Trunk(m, tok, String.format(Locale.ROOT, "scratch gpt2 L%d H%d C%d T%d V%d, pretrained %d steps",
                    layers, heads, width, context, tok.vocabSize(), pretraining.steps()));
        }
    }
}
