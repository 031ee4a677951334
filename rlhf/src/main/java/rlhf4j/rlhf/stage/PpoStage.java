package rlhf4j.rlhf.stage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import rlhf4j.rlhf.ppo.IterationStats;
import rlhf4j.rlhf.ppo.PpoConfig;
import rlhf4j.rlhf.ppo.PpoModels;
import rlhf4j.rlhf.ppo.PpoTrainer;
import rlhf4j.rlhf.report.Reports;
import rlhf4j.rlhf.reward.RewardFunction;
import rlhf4j.rlhf.reward.RewardSource;
import rlhf4j.rlhf.reward.ScoringModel;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.Models;
import rlhf4j.transformer.Policy;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.heads.HeadedModel;
import rlhf4j.transformer.heads.ValueHead;

/**
 * PPO of a policy against a reward, with a KL penalty to a frozen copy of the starting policy. Writes into OUT the
 * run's metrics (metrics.jsonl / .csv), samples, checkpoints, {@code config.json}, the trained policy in
 * {@code policy/} (a directory any command opens as a checkpoint, whatever the model family), and a training report
 * ({@code summary.json}, {@code report.html}) from the first and last batches. With {@code resume} it continues
 * from OUT's newest checkpoint bit for bit.
 */
public final class PpoStage {
    public static final String POLICY_DIR = "policy", CONFIG_FILE = "config.json";

    private final Config cfg;
    private final StageContext ctx;

    public PpoStage(Config cfg, StageContext ctx) {
        this.cfg = cfg;
        this.ctx = ctx;
    }

    /** Every PPO setting, grouped (see {@link PpoConfig} for each); {@link #defaults()} follows Ziegler et al. 2019 and TRL. */
    public record Config(Rollouts rollouts, Optimizer optimizer, Objective objective, KlControl kl, Rewards rewards,
                         Schedule schedule, long seed) {
        /** 16 rollouts of ≤ 48 tokens at τ 1; lr 1e-5; ε 0.2; adaptive β from 0.05 to KL 6; 100 iterations; seed 1234. */
        public static Config defaults() {
            return new Config(new Rollouts(16, 48, 1.0), new Optimizer(1e-5, 0.0, 1.0, 4, 4), new Objective(0.2, 0.2, 0.1, 0.0, 1.0, 0.95),
                    new KlControl(0.05, true, 6.0, 10_000, 0.0), new Rewards(0.0, 0.0, false), new Schedule(100, Double.NaN, 5, 10, 2), 1234);
        }

        public Config withRollouts(Rollouts r) { return new Config(r, optimizer, objective, kl, rewards, schedule, seed); }

        public Config withOptimizer(Optimizer o) { return new Config(rollouts, o, objective, kl, rewards, schedule, seed); }

        public Config withObjective(Objective o) { return new Config(rollouts, optimizer, o, kl, rewards, schedule, seed); }

        public Config withKl(KlControl k) { return new Config(rollouts, optimizer, objective, k, rewards, schedule, seed); }

        public Config withRewards(Rewards r) { return new Config(rollouts, optimizer, objective, kl, r, schedule, seed); }

        public Config withSchedule(Schedule s) { return new Config(rollouts, optimizer, objective, kl, rewards, s, seed); }

        public Config withSeed(long s) { return new Config(rollouts, optimizer, objective, kl, rewards, schedule, s); }

        /** The trainer's settings: the one place a {@link PpoConfig} is made from a stage config. */
        public PpoConfig toPpoConfig() {
            return new PpoConfig(rollouts.batchSize(), optimizer.minibatches(), optimizer.epochs(), rollouts.maxNewTokens(),
                    rollouts.temperature(), optimizer.lr(), optimizer.weightDecay(), optimizer.maxGradNorm(), objective.clipRange(),
                    objective.clipRangeValue(), objective.vfCoef(), objective.entropyCoef(), objective.gamma(), objective.lambda(),
                    kl.initCoef(), kl.adaptive(), kl.target(), kl.horizon(), kl.approxKlLimit(), rewards.missingEosPenalty(),
                    rewards.clip(), rewards.whiten(), schedule.iterations(), schedule.rewardThreshold(), schedule.rewardWindow(),
                    schedule.checkpointEvery(), schedule.keepCheckpoints(), seed);
        }
    }

    /** Prompts per iteration, tokens per completion at most, sampling temperature (the learner's log-probs use it too). */
    public record Rollouts(int batchSize, int maxNewTokens, double temperature) {}

    /** AdamW (constant lr), global gradient-norm clip, minibatches per epoch and epochs per batch. */
    public record Optimizer(double lr, double weightDecay, double maxGradNorm, int minibatches, int epochs) {}

    /** Clipped surrogate ε, value clip, value-loss and entropy weights, GAE γ and λ. */
    public record Objective(double clipRange, double clipRangeValue, double vfCoef, double entropyCoef, double gamma, double lambda) {}

    /** β at the start; adaptive toward a per-sequence KL target over a horizon, or fixed; early epoch stop past approx-KL (0 = never). */
    public record KlControl(double initCoef, boolean adaptive, double target, double horizon, double approxKlLimit) {}

    /** Penalty for a completion without the stop token, score clip (0 = off), per-token reward whitening. */
    public record Rewards(double missingEosPenalty, double clip, boolean whiten) {}

    /** Iteration cap, moving-average score to stop at (NaN = never) over a window, checkpoint every (0 = at the end), kept. */
    public record Schedule(int iterations, double rewardThreshold, int rewardWindow, int checkpointEvery, int keepCheckpoints) {}

    /**
     * @param prompts    the training prompts' texts
     * @param valueModel a checkpoint (or a reward model directory) whose trunk starts a separate critic; null = a value
     *                   head on the policy
     * @param resume     continue from OUT's newest checkpoint instead of starting in an empty OUT
     */
    public record Inputs(PolicySource policy, RewardSource reward, List<String> prompts, Path valueModel, boolean resume) {}

    /** The run directory, the trained policy's directory, and the metrics of every iteration. */
    public record Result(Path runDir, Path policyDir, List<IterationStats> history) {}

    public Result run(Inputs in, Path out) throws IOException {
        PpoConfig pc = cfg.toPpoConfig();
        Device device = ctx.device();
        boolean resuming = in.resume() && Files.isDirectory(out);
        if (!resuming) Outputs.prepare(out, ctx.output(), ctx.err());
        Policy policy = in.policy().load(device);
        TransformerModel reference = in.policy().load(device).model();
        RewardFunction reward = in.reward().load(device);
        List<int[]> prompts = policy.encodePrompts(in.prompts(), pc.maxNewTokens());
        Files.createDirectories(out);
        if (!resuming) StageFiles.writeJson(out.resolve(CONFIG_FILE), shownConfig(in, cfg));

        PpoTrainer trainer = new PpoTrainer(pc, models(policy.model(), reference, in.valueModel(), cfg.seed(), device), reward,
                policy.tokenizer(), policy.stopToken(), prompts, out).progress(ctx.err());
        if (resuming) {
            Path from = trainer.resume();
            ctx.err().printf(Locale.ROOT, from == null ? "no checkpoint in %s; starting afresh%n" : "resumed from %s after %d iterations%n",
                    from == null ? out : from, trainer.iterations());
        }
        trainer.train();
        Path policyDir = out.resolve(POLICY_DIR);
        policy.save(policyDir);
        Reports.write(out, out, "PPO run " + out.getFileName(), flatten(shownConfig(in, cfg)), null, null);
        List<IterationStats> h = trainer.history();
        IterationStats last = h.getLast();
        ctx.err().printf(Locale.ROOT, "%d iterations; last batch: score %.4f ± %.4f, KL %.3f, β %.4f; trained policy: %s%n", h.size(), last.scoreMean(),
                last.scoreStd(), last.klSequence(), last.beta(), policyDir);
        return new Result(out, policyDir, h);
    }

    /** Policy + value head, or policy and a separate critic whose trunk starts from a checkpoint (a reward model's trunk/ too). */
    private static PpoModels models(TransformerModel trunk, TransformerModel reference, Path valueModel, long seed, Device device)
            throws IOException {
        if (valueModel == null) return PpoModels.withValueHead(trunk, reference, seed);
        Path rmTrunk = valueModel.resolve(ScoringModel.TRUNK_DIR);
        TransformerModel critic = Models.load(Files.isDirectory(rmTrunk) ? rmTrunk : valueModel, device);
        return new PpoModels(new HeadedModel(trunk, true, null, null),
                new HeadedModel(critic, false, new ValueHead(critic.width(), seed, device), null), reference);
    }

    private static Map<String, Object> shownConfig(Inputs in, Config cfg) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("policy", in.policy().checkpoint().toString());
        m.put("tokenizer", String.valueOf(in.policy().tokenizer()));
        m.put("stop_at_eos", in.policy().stopAtEos());
        m.put("reward", in.reward().spec());
        m.put("prompts", in.prompts().size());
        m.put("value_model", in.valueModel() == null ? "value head on the policy" : in.valueModel().toString());
        m.put("ppo", cfg);
        return m;
    }

    /** The config as "group.field" → value rows for the report. */
    private static Map<String, Object> flatten(Map<String, Object> shown) {
        Map<String, Object> rows = new LinkedHashMap<>();
        StageFiles.flatten("", StageFiles.GSON.toJsonTree(shown).getAsJsonObject(), rows);
        return rows;
    }

}
