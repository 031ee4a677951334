package rlhf4j.rlhf.stage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import rlhf4j.rlhf.eval.Evaluation;
import rlhf4j.rlhf.oracle.Oracles;
import rlhf4j.rlhf.oracle.TextScorer;
import rlhf4j.rlhf.ppo.Checkpoints;
import rlhf4j.rlhf.reward.RewardFunction;
import rlhf4j.rlhf.reward.RewardSource;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.Models;
import rlhf4j.transformer.Policy;
import rlhf4j.transformer.TransformerModel;

/**
 * Reference (starting) vs trained policy on held-out prompts: both complete every prompt with the same per-prompt
 * seeds; each completion is scored by the proxy reward, a gold oracle the policy never trained on, optionally a
 * toxicity classifier's probability (e.g. P(hate)), and any held-out judges: reward sources the policy never trained
 * against, so that the evaluation never rests on the judge that was optimised. A judge {@code classifier:DIR:CLASS}
 * scores P(CLASS | completion) (e.g. {@code classifier:davidson-judge:hate}, a classifier trained on other tweets by
 * other annotators than the TweetEval reward); any other source ({@code rm:DIR}, {@code oracle:NAME},
 * {@code ensemble:...}) scores its reward. The trained policy's KL to the reference is measured on its own samples.
 * Writes {@code result.json} (figures, each judge's before and after, every sample side by side) into OUT.
 */
public final class EvalStage {
    public static final String RESULT_FILE = "result.json";

    private final Config cfg;
    private final StageContext ctx;

    public EvalStage(Config cfg, StageContext ctx) {
        this.cfg = cfg;
        this.ctx = ctx;
    }

    /**
     * @param gold     an oracle name ({@link Oracles#byName}), or null for none
     * @param toxicity a classifier and the class whose probability is the toxicity ({@code classifier:DIR:hate}), or null
     * @param judges   held-out judges, in order (empty for none)
     */
    public record Config(Sampling sampling, String gold, RewardSource.ClassifierClass toxicity, List<RewardSource> judges) {
        public Config {
            judges = judges == null ? List.of() : List.copyOf(judges);
        }

        /** No held-out judges. */
        public Config(Sampling sampling, String gold, RewardSource.ClassifierClass toxicity) { this(sampling, gold, toxicity, List.of()); }

        /** 48 new tokens at τ 1, seed 4321, 16 prompts at a time; no gold, no toxicity, no judges. */
        public static Config defaults() { return new Config(new Sampling(48, 1.0, 4321, 16), null, null); }

        public Config withSampling(Sampling s) { return new Config(s, gold, toxicity, judges); }

        public Config withGold(String g) { return new Config(sampling, g, toxicity, judges); }

        public Config withToxicity(RewardSource.ClassifierClass t) { return new Config(sampling, gold, t, judges); }

        public Config withJudges(List<RewardSource> j) { return new Config(sampling, gold, toxicity, j); }
    }

    /** Completion length cap, temperature, seed (prompt i samples from stream (seed, i)), prompts per batch. */
    public record Sampling(int maxNewTokens, double temperature, long seed, int chunk) {}

    /**
     * @param reference the starting policy (its tokenizer and stop token serve both)
     * @param trained   a PPO run directory (its policy/ or newest checkpoint), one checkpoint of it, or any checkpoint
     *                  of the reference's architecture
     */
    public record Inputs(PolicySource reference, Path trained, RewardSource reward, List<String> prompts) {}

    public record Result(Path resultFile, Evaluation.Result evaluation) {}

    public Result run(Inputs in, Path out) throws IOException {
        if (in.prompts().isEmpty()) throw new IllegalArgumentException("eval needs at least one prompt");
        TextScorer gold = cfg.gold() == null ? null : Oracles.byName(cfg.gold());
        Outputs.prepare(out, ctx.output(), ctx.err());
        Device device = ctx.device();
        Policy reference = in.reference().load(device);
        TransformerModel trained = loadTrained(in.trained(), in.reference(), device);
        TextScorer toxicity = cfg.toxicity() == null ? null : cfg.toxicity().probability(device);
        Sampling s = cfg.sampling();
        Map<String, RewardFunction> judges = new LinkedHashMap<>();
        for (RewardSource j : cfg.judges()) judges.put(j.spec(), judge(j, device));
        Evaluation.Result r = Evaluation.run(reference.model(), trained, reference.tokenizer(), reference.stopToken(),
                reference.encodePrompts(in.prompts(), s.maxNewTokens()), new Evaluation.Scorers(in.reward().load(device), gold, toxicity, judges),
                new Evaluation.Settings(s.maxNewTokens(), s.temperature(), s.seed(), s.chunk()));
        Files.createDirectories(out);
        Path file = out.resolve(RESULT_FILE);
        StageFiles.writeJson(file, r);
        print(r, ctx);
        return new Result(file, r);
    }

    /** A judge's scorer: P(CLASS) for a classifier with a class, else the source's reward. */
    static RewardFunction judge(RewardSource source, Device device) throws IOException {
        if (source instanceof RewardSource.ClassifierClass c && c.rewardClass() != null) return RewardFunction.of(c.probability(device), false);
        return source.load(device);
    }

    /** The evaluation an eval directory holds. */
    public static Evaluation.Result read(Path evalDir) throws IOException {
        return StageFiles.readJson(evalDir.resolve(RESULT_FILE), Evaluation.Result.class);
    }

    /** The trained model: a run's policy/, else a checkpoint's trunk loaded into a fresh copy of the reference, else a checkpoint. */
    static TransformerModel loadTrained(Path trained, PolicySource reference, Device device) throws IOException {
        Path policyDir = trained.resolve(PpoStage.POLICY_DIR);
        if (Files.isRegularFile(policyDir.resolve("config.json"))) return Models.load(policyDir, device);
        Path ckpt = null;
        if (Files.isRegularFile(trained.resolve(Checkpoints.POLICY))) ckpt = trained;
        else if (Files.isDirectory(trained.resolve("checkpoints"))) {
            ckpt = new Checkpoints(trained).latest();
            if (ckpt == null) throw new IllegalArgumentException(trained + " has no complete checkpoint");
        }
        if (ckpt == null) return Models.load(trained, device);
        TransformerModel m = reference.load(device).model();                 // same architecture, then the trained trunk
        Checkpoints.loadPolicyTrunk(ckpt, m);
        return m;
    }

    private static void print(Evaluation.Result r, StageContext ctx) {
        Evaluation.Side ref = r.reference(), t = r.trained();
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  proxy reward %.3f -> %.3f", ref.reward().mean(), t.reward().mean()));
        if (t.gold() != null) line.append(String.format(Locale.ROOT, ", gold %.3f -> %.3f", ref.gold().mean(), t.gold().mean()));
        if (t.toxicity() != null)
            line.append(String.format(Locale.ROOT, ", toxicity %.3f ± %.3f -> %.3f ± %.3f", ref.toxicity().mean(), ref.toxicity().std(),
                    t.toxicity().mean(), t.toxicity().std()));
        if (r.judges() != null)
            r.judges().forEach((name, j) -> line.append(String.format(Locale.ROOT, ", judge %s %.3f -> %.3f", name, j.reference().mean(), j.trained().mean())));
        line.append(String.format(Locale.ROOT, ", KL %.2f, win rate by %s %.3f%n", t.klToReference().mean(), r.winRateBy(), r.winRate()));
        ctx.err().printf(Locale.ROOT, "%s", line);
    }
}
