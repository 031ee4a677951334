package rlhf4j.rlhf.stage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import rlhf4j.rlhf.consensus.HeldOutSplit;
import rlhf4j.rlhf.consensus.PreferenceGroup;
import rlhf4j.rlhf.dpo.DpoConfig;
import rlhf4j.rlhf.dpo.DpoStats;
import rlhf4j.rlhf.dpo.DpoTrainer;
import rlhf4j.rlhf.dpo.PairData;
import rlhf4j.rlhf.ppo.Checkpoints;
import rlhf4j.transformer.Policy;

/**
 * DPO of a policy straight from preference groups: the pairs or grouped rankings a reward model trains on
 * ({@link RewardModelStage#readGroups} of {@code pairs/groups.jsonl}, or {@link RewardModelStage#feedbackGroups} of a
 * feedback directory), with no reward model and no sampling ({@link rlhf4j.rlhf.dpo.DpoLoss} has the math).
 * Prompt and completion texts become token ids through the policy's own tokenizer.
 *
 * <pre>{@code
 * DpoStage.Result r = new DpoStage(DpoStage.Config.defaults().withBeta(0.1), ctx)
 *         .run(new DpoStage.Inputs(PolicySource.of(ckpt, null), RewardModelStage.readGroups(groupsFile), false), out);
 * r.policyDir();   // the trained policy, opened like any checkpoint (eval, generate, ppo)
 * }</pre>
 *
 * <p>Writes into OUT: {@code config.json}, {@code metrics.jsonl} (one line per step: loss, rewards/chosen,
 * rewards/rejected, rewards/accuracies, rewards/margins), {@code eval.jsonl} (the held-out groups after each epoch),
 * {@code reference/} (the cached log π_ref), {@code checkpoints/}, {@code summary.json} and the trained policy in
 * {@code policy/}. With {@code resume} it continues from OUT's newest checkpoint bit for bit.
 */
public final class DpoStage {
    public static final String POLICY_DIR = PpoStage.POLICY_DIR, CONFIG_FILE = PpoStage.CONFIG_FILE, SUMMARY_FILE = "summary.json";

    private final Config cfg;
    private final StageContext ctx;

    public DpoStage(Config cfg, StageContext ctx) {
        this.cfg = cfg;
        this.ctx = ctx;
    }

    /**
     * @param training the loss (β, sigmoid or IPO, label smoothing), optimisation, checkpointing and seed
     * @param data     which groups train and how long completions may be
     */
    public record Config(DpoConfig training, Data data) {
        /** {@link DpoConfig#defaults()} and {@link Data#defaults()}. */
        public static Config defaults() { return new Config(DpoConfig.defaults(), Data.defaults()); }

        public Config withTraining(DpoConfig t) { return new Config(t, data); }

        public Config withData(Data d) { return new Config(training, d); }

        /** The same settings with another β (DPO's KL budget). */
        public Config withBeta(double beta) { return withTraining(training.withBeta(beta)); }
    }

    /**
     * @param heldOutPercent      prompts held out (by id hash, as the reward model does) and measured after each epoch
     * @param maxGroups           training groups used at most (0 = all)
     * @param maxCompletionTokens completion tokens kept (the first); prompts are cut to leave room for them
     */
    public record Data(int heldOutPercent, int maxGroups, int maxCompletionTokens) {
        public Data {
            if (heldOutPercent < 0 || heldOutPercent >= 100) throw new IllegalArgumentException("held-out percent " + heldOutPercent + " must be in [0, 100)");
            if (maxGroups < 0) throw new IllegalArgumentException("max groups " + maxGroups + " must be >= 0");
            if (maxCompletionTokens < 1) throw new IllegalArgumentException("max completion tokens " + maxCompletionTokens + " must be >= 1");
        }

        /** Nothing held out, every group, completions of up to 64 tokens. */
        public static Data defaults() { return new Data(0, 0, 64); }
    }

    /** @param resume continue from OUT's newest checkpoint instead of starting in an empty OUT */
    public record Inputs(PolicySource policy, List<PreferenceGroup> groups, boolean resume) {}

    /**
     * @param history every step's figures (restored ones included)
     * @param heldOut the held-out groups' figures after training, or null when none were held out
     */
    public record Result(Path runDir, Path policyDir, List<DpoStats> history, DpoStats heldOut) {}

    public Result run(Inputs in, Path out) throws IOException {
        boolean resuming = in.resume() && new Checkpoints(out).latest() != null;
        if (in.resume() && !resuming) ctx.err().printf("no checkpoint in %s; starting afresh%n", out);
        HeldOutSplit.Split<PreferenceGroup> split = new HeldOutSplit(cfg.data().heldOutPercent()).groups(in.groups());
        List<PreferenceGroup> train = split.train();
        if (cfg.data().maxGroups() > 0 && train.size() > cfg.data().maxGroups()) train = train.subList(0, cfg.data().maxGroups());
        if (train.isEmpty())
            throw new IllegalArgumentException("no training groups left after holding out " + cfg.data().heldOutPercent() + "% of " + in.groups().size());
        boolean root = rlhf4j.tensor.dist.Collectives.world().isRoot();                // rank 0 alone writes
        if (!resuming && root) Outputs.prepare(out, ctx.output(), ctx.err());
        Policy policy = in.policy().load(ctx.device());
        int maxTokens = Math.min(cfg.data().maxCompletionTokens(), policy.model().contextLength() - 1);
        PairData trainData = PairData.encode(train, policy, maxTokens);
        PairData heldData = split.heldOut().isEmpty() ? null : PairData.encode(split.heldOut(), policy, maxTokens);
        ctx.err().printf(Locale.ROOT, "%d training groups (%d pairs), %d held out%n", train.size(),
                train.stream().mapToInt(g -> g.pairs().size()).sum(), split.heldOut().size());
        Files.createDirectories(out);
        if (!resuming && root) StageFiles.writeJson(out.resolve(CONFIG_FILE), shownConfig(in, train.size(), split.heldOut().size()));

        DpoTrainer trainer = new DpoTrainer(cfg.training(), policy.model(), in.policy().load(ctx.device()).model(), trainData, heldData, out)
                .progress(ctx.err());
        if (resuming) ctx.err().printf("resumed from %s after %d steps%n", trainer.resume(), trainer.steps());
        trainer.train();
        Path policyDir = out.resolve(POLICY_DIR);
        DpoStats held = trainer.evaluate();
        if (!root) return new Result(out, policyDir, trainer.history(), held);
        policy.save(policyDir);
        List<DpoStats> h = trainer.history();
        StageFiles.writeJson(out.resolve(SUMMARY_FILE), summary(h, held, trainer.stepsPerEpoch()));
        DpoStats last = h.getLast();
        ctx.err().printf(Locale.ROOT, "%d steps; last batch: loss %.4f, rewards/accuracies %.3f, rewards/margins %.4f%s; trained policy: %s%n",
                h.size(), last.loss(), last.rewards().accuracy(), last.rewards().margin(),
                held == null ? "" : String.format(Locale.ROOT, "; held out: loss %.4f, accuracy %.3f", held.loss(), held.rewards().accuracy()), policyDir);
        return new Result(out, policyDir, h, held);
    }

    /**
     * The first and last step, the last epoch's means, the held-out figures, the training tokens (prompt + completion,
     * each completion forwarded once a step) per second; "iterations" and "wall_seconds" as PPO's summary has them.
     */
    private static Map<String, Object> summary(List<DpoStats> h, DpoStats held, int stepsPerEpoch) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("algorithm", "dpo");
        m.put("iterations", h.size());
        double wall = h.stream().mapToDouble(DpoStats::seconds).sum();
        m.put("wall_seconds", wall);
        m.put("tokens_per_second", h.stream().mapToLong(DpoStats::tokens).sum() / wall);
        m.put("loss_first", h.getFirst().loss());
        m.put("loss_last", h.getLast().loss());
        List<DpoStats> lastEpoch = h.subList(Math.max(0, h.size() - stepsPerEpoch), h.size());
        m.put("last_epoch", means(lastEpoch));
        if (held != null) {
            com.google.gson.JsonObject o = held.toJson();
            o.remove("grad_norm");
            o.remove("seconds");
            m.put("held_out", o);
        }
        return m;
    }

    private static Map<String, Double> means(List<DpoStats> steps) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", steps.stream().mapToDouble(DpoStats::loss).average().orElse(Double.NaN));
        m.put("rewards/chosen", steps.stream().mapToDouble(s -> s.rewards().chosen()).average().orElse(Double.NaN));
        m.put("rewards/rejected", steps.stream().mapToDouble(s -> s.rewards().rejected()).average().orElse(Double.NaN));
        m.put("rewards/accuracies", steps.stream().mapToDouble(s -> s.rewards().accuracy()).average().orElse(Double.NaN));
        m.put("rewards/margins", steps.stream().mapToDouble(s -> s.rewards().margin()).average().orElse(Double.NaN));
        return m;
    }

    private Map<String, Object> shownConfig(Inputs in, int trainGroups, int heldGroups) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("policy", in.policy().checkpoint().toString());
        m.put("tokenizer", String.valueOf(in.policy().tokenizer()));
        m.put("training_groups", trainGroups);
        m.put("held_out_groups", heldGroups);
        m.put("data.held_out_percent", cfg.data().heldOutPercent());
        m.put("data.max_groups", cfg.data().maxGroups());
        m.put("data.max_completion_tokens", cfg.data().maxCompletionTokens());
        cfg.training().settings().forEach((k, v) -> m.put("dpo." + k, v));
        return m;
    }
}
