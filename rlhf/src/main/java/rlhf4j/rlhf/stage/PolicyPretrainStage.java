package rlhf4j.rlhf.stage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import rlhf4j.rlhf.data.DavidsonHate;
import rlhf4j.rlhf.data.Tweets;
import rlhf4j.rlhf.reward.TrunkPretraining;
import rlhf4j.transformer.Policy;
import rlhf4j.transformer.gpt2.Gpt2;
import rlhf4j.transformer.tokenizer.BpeTokenizer;
import rlhf4j.transformer.train.ProgressBar;

/**
 * A small policy made from scratch (the detox demo's tweet writer): a byte-level BPE trained on a corpus, then a
 * GPT-2 next-token pretrained on it (texts joined by end-of-text in random windows, see {@link TrunkPretraining}).
 * Writes a policy directory ({@link Policy#save}) that {@link Policy#load} opens; it stops at end-of-text.
 */
public final class PolicyPretrainStage {
    public static final String DAVIDSON = "davidson";

    /**
     * @param layers  transformer blocks
     * @param heads   attention heads
     * @param width   model width C
     * @param context positions T
     * @param bpeVocab the BPE's vocabulary size
     */
    public record Shape(int layers, int heads, int width, int context, int bpeVocab) {}

    /**
     * @param steps     optimiser steps (0 = the random model)
     * @param batchSize windows per step
     * @param lr        peak learning rate (warm-up, then cosine decay to 10%)
     * @param seed      initialisation and window sampling
     */
    public record Training(int steps, int batchSize, double lr, long seed) {}

    public record Config(Shape shape, Training training) {
        public Config {
            Objects.requireNonNull(shape, "shape");
            Objects.requireNonNull(training, "training");
        }

        /** The pipeline's scratch policy: 2 layers, 4 heads, width 128, context 64, BPE 512; 300 steps of 16 at 2e-3, seed 1. */
        public static Config defaults() { return new Config(new Shape(2, 4, 128, 64, 512), new Training(300, 16, 2e-3, 1)); }

        public Config withShape(Shape s) { return new Config(s, training); }
        public Config withTraining(Training t) { return new Config(shape, t); }
        public Config withSeed(long seed) { return new Config(shape, new Training(training.steps(), training.batchSize(), training.lr(), seed)); }
    }

    /** The policy directory written and the last step's loss (NaN without steps). */
    public record Result(Path policy, double finalLoss) {}

    private final Config config;
    private final StageContext ctx;

    public PolicyPretrainStage(Config config, StageContext ctx) {
        this.config = Objects.requireNonNull(config, "config");
        this.ctx = Objects.requireNonNull(ctx, "ctx");
    }

    /** The texts of a corpus: "davidson" (every cleaned tweet, blank ones dropped) or a text file (one document a line). */
    public static List<String> corpus(String spec) throws IOException {
        if (spec.equals(DAVIDSON)) return DavidsonHate.load().stream().map(r -> Tweets.clean(r.tweet())).filter(t -> !t.isBlank()).toList();
        Path f = Path.of(spec);
        if (!Files.isRegularFile(f)) throw new IllegalArgumentException("corpus " + spec + ": no such file (or use " + DAVIDSON + ")");
        return Files.readAllLines(f, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
    }

    /** Trains on the texts and writes the policy into outDir. */
    public Result run(List<String> texts, Path outDir) throws IOException {
        Outputs.prepare(outDir, ctx.output(), ctx.err());
        Shape s = config.shape();
        Training t = config.training();
        BpeTokenizer tok = TrunkPretraining.tokenizer(texts, s.bpeVocab());
        ProgressBar bar = ProgressBar.on(ctx.err(), "pretrain", t.steps());
        double[] last = {Double.NaN};
        Gpt2 model = TrunkPretraining.pretrain(texts, tok, new TrunkPretraining.Config(s.layers(), s.heads(), s.width(),
                s.context(), t.steps(), t.batchSize(), t.lr(), t.seed()), ctx.device(), (step, steps, loss) -> {
                    last[0] = loss;
                    bar.update(step, String.format(Locale.ROOT, "loss %.3f", loss));
                });
        bar.finish();
        new Policy(model, tok, tok.eosId()).save(outDir);
        return new Result(outDir, last[0]);
    }
}
