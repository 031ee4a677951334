package rlhf4j.rlhf.stage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import rlhf4j.rlhf.grpo.GrpoConfig;
import rlhf4j.rlhf.grpo.GrpoTrainer;
import rlhf4j.rlhf.ppo.Checkpoints;
import rlhf4j.rlhf.ppo.IterationStats;
import rlhf4j.rlhf.report.Reports;
import rlhf4j.rlhf.reward.RewardSource;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.Policy;

/**
 * GRPO, Dr. GRPO or RLOO (the config's baseline) of a policy against a reward, with a k3 KL term to a frozen copy of
 * the starting policy ({@link GrpoTrainer}). Writes into OUT what {@link PpoStage} writes: metrics, samples,
 * checkpoints, {@code config.json}, the trained policy in {@code policy/}, {@code summary.json} and
 * {@code report.html}. With {@code resume} it continues from OUT's newest checkpoint bit for bit.
 *
 * <pre>{@code
 * GrpoStage.Result r = new GrpoStage(GrpoConfig.rlooDefaults().withBeta(0.1).withMaxIterations(20), ctx)
 *         .run(new GrpoStage.Inputs(PolicySource.of(ckpt, tok), RewardSource.parse("oracle:vader"), prompts, false), out);
 * r.policyDir();   // the trained policy, opened like any checkpoint (eval, generate, ppo)
 * }</pre>
 */
public final class GrpoStage {
    private final GrpoConfig cfg;
    private final StageContext ctx;

    /** @param cfg every setting ({@link GrpoConfig#defaults()}, {@link GrpoConfig#rlooDefaults()} and their with… copies) */
    public GrpoStage(GrpoConfig cfg, StageContext ctx) {
        this.cfg = cfg;
        this.ctx = ctx;
    }

    /**
     * @param prompts the training prompts' texts
     * @param resume  continue from OUT's newest checkpoint instead of starting in an empty OUT
     */
    public record Inputs(PolicySource policy, RewardSource reward, List<String> prompts, boolean resume) {}

    /** The run directory, the trained policy's directory, and the metrics of every iteration. */
    public record Result(Path runDir, Path policyDir, List<IterationStats> history) {}

    public Result run(Inputs in, Path out) throws IOException {
        Device device = ctx.device();
        boolean resuming = in.resume() && new Checkpoints(out).latest() != null;
        if (in.resume() && !resuming) ctx.err().printf("no checkpoint in %s; starting afresh%n", out);
        boolean root = rlhf4j.tensor.dist.Collectives.world().isRoot();                // rank 0 alone writes
        if (!resuming && root) Outputs.prepare(out, ctx.output(), ctx.err());
        Policy policy = in.policy().load(device);
        GrpoTrainer trainer = new GrpoTrainer(cfg, policy.model(), in.policy().load(device).model(), in.reward().load(device),
                policy.tokenizer(), policy.stopToken(), policy.encodePrompts(in.prompts(), cfg.sampling().maxNewTokens()), out)
                .progress(ctx.err());
        Files.createDirectories(out);
        if (!resuming && root) StageFiles.writeJson(out.resolve(PpoStage.CONFIG_FILE), shownConfig(in, cfg));
        if (resuming) ctx.err().printf("resumed from %s after %d iterations%n", trainer.resume(), trainer.iterations());
        trainer.train();
        Path policyDir = out.resolve(PpoStage.POLICY_DIR);
        if (!root) return new Result(out, policyDir, trainer.history());
        policy.save(policyDir);
        String name = cfg.objective().baseline().id().toUpperCase(Locale.ROOT);
        Map<String, Object> rows = new LinkedHashMap<>();
        StageFiles.flatten("", StageFiles.GSON.toJsonTree(shownConfig(in, cfg)).getAsJsonObject(), rows);
        Reports.write(out, out, name + " run " + out.getFileName(), rows, null, null);
        List<IterationStats> h = trainer.history();
        IterationStats last = h.getLast();
        ctx.err().printf(Locale.ROOT, "%d iterations; last batch: score %.4f ± %.4f, KL %.3f; trained policy: %s%n", h.size(),
                last.score().mean(), last.score().std(), last.kl().sequence(), policyDir);
        return new Result(out, policyDir, h);
    }

    private static Map<String, Object> shownConfig(Inputs in, GrpoConfig cfg) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("policy", in.policy().checkpoint().toString());
        m.put("tokenizer", String.valueOf(in.policy().tokenizer()));
        m.put("stop_at_eos", in.policy().stopAtEos());
        m.put("reward", in.reward().spec());
        m.put("prompts", in.prompts().size());
        cfg.settings().forEach((k, v) -> m.put(cfg.objective().baseline().id() + "." + k, v instanceof Enum<?> e ? e.toString() : v));
        return m;
    }
}
