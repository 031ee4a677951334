package rlhf4j.rlhf.stage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import rlhf4j.rlhf.ppo.Checkpoints;
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

/**
 * PPO of a policy against a reward, with a KL penalty to a frozen copy of the starting policy. Writes into OUT the
 * run's metrics (metrics.jsonl / .csv), samples, checkpoints, {@code config.json}, the trained policy in
 * {@code policy/} (a directory any command opens as a checkpoint, whatever the model family), and a training report
 * ({@code summary.json}, {@code report.html}) from the first and last batches. With {@code resume} it continues
 * from OUT's newest checkpoint bit for bit.
 */
public final class PpoStage {
    public static final String POLICY_DIR = "policy", CONFIG_FILE = "config.json";

    private final PpoConfig cfg;
    private final StageContext ctx;

    /** @param cfg every PPO setting ({@link PpoConfig#defaults()} and its with… copies) */
    public PpoStage(PpoConfig cfg, StageContext ctx) {
        this.cfg = cfg;
        this.ctx = ctx;
    }

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
        Device device = ctx.device();
        boolean resuming = in.resume() && new Checkpoints(out).latest() != null;
        if (in.resume() && !resuming) ctx.err().printf("no checkpoint in %s; starting afresh%n", out);
        boolean root = rlhf4j.tensor.dist.Collectives.world().isRoot();                // rank 0 alone writes
        if (!resuming && root) Outputs.prepare(out, ctx.output(), ctx.err());
        Policy policy = in.policy().load(device);
        TransformerModel reference = in.policy().load(device).model();
        RewardFunction reward = in.reward().load(device);
        List<int[]> prompts = policy.encodePrompts(in.prompts(), cfg.sampling().maxNewTokens());
        Files.createDirectories(out);
        if (!resuming && root) StageFiles.writeJson(out.resolve(CONFIG_FILE), shownConfig(in, cfg));

        PpoTrainer trainer = new PpoTrainer(cfg, models(policy.model(), reference, in.valueModel(), cfg.seed(), device), reward,
                policy.tokenizer(), policy.stopToken(), prompts, out).progress(ctx.err());
        if (resuming) ctx.err().printf("resumed from %s after %d iterations%n", trainer.resume(), trainer.iterations());
        trainer.train();
        Path policyDir = out.resolve(POLICY_DIR);
        if (!root) return new Result(out, policyDir, trainer.history());
        policy.save(policyDir);
        Reports.write(out, out, "PPO run " + out.getFileName(), flatten(shownConfig(in, cfg)), null, null);
        List<IterationStats> h = trainer.history();
        IterationStats last = h.getLast();
        ctx.err().printf(Locale.ROOT, "%d iterations; last batch: score %.4f ± %.4f, KL %.3f, β %.4f; trained policy: %s%n", h.size(), last.score().mean(),
                last.score().std(), last.kl().sequence(), last.kl().beta(), policyDir);
        return new Result(out, policyDir, h);
    }

    /** Policy + value head, or policy and a separate critic whose trunk starts from a checkpoint (a reward model's trunk/ too). */
    private static PpoModels models(TransformerModel trunk, TransformerModel reference, Path valueModel, long seed, Device device)
            throws IOException {
        if (valueModel == null) return PpoModels.withValueHead(trunk, reference);
        Path rmTrunk = valueModel.resolve(ScoringModel.TRUNK_DIR);
        TransformerModel critic = Models.load(Files.isDirectory(rmTrunk) ? rmTrunk : valueModel, device);
        return new PpoModels(new HeadedModel(trunk, true, null, null),
                new HeadedModel(critic, false, PpoModels.zeroValueHead(critic.width(), device), null), reference);
    }

    private static Map<String, Object> shownConfig(Inputs in, PpoConfig cfg) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("policy", in.policy().checkpoint().toString());
        m.put("tokenizer", String.valueOf(in.policy().tokenizer()));
        m.put("stop_at_eos", in.policy().stopAtEos());
        m.put("reward", in.reward().spec());
        m.put("prompts", in.prompts().size());
        m.put("value_model", in.valueModel() == null ? "value head on the policy" : in.valueModel().toString());
        cfg.settings().forEach((k, v) -> m.put("ppo." + k, v));
        return m;
    }

    /** The config as "group.field" → value rows for the report. */
    private static Map<String, Object> flatten(Map<String, Object> shown) {
        Map<String, Object> rows = new LinkedHashMap<>();
        StageFiles.flatten("", StageFiles.GSON.toJsonTree(shown).getAsJsonObject(), rows);
        return rows;
    }

}
