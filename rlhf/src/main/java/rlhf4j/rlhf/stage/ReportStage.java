package rlhf4j.rlhf.stage;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import rlhf4j.rlhf.eval.Evaluation;
import rlhf4j.rlhf.report.Reports;
import rlhf4j.rlhf.report.RunReport;
import rlhf4j.rlhf.report.Summary;

/**
 * A run's {@code report.html} and {@code summary.json} in OUT: PPO's training curves, the evaluation of reference vs
 * trained policy (its held-out figures take precedence over the training batches'), the reward model's validation
 * accuracy and the labelers' agreement when there are such, and the configuration shown.
 */
public final class ReportStage {
    private final Config cfg;
    private final StageContext ctx;

    public ReportStage(Config cfg, StageContext ctx) {
        this.cfg = cfg;
        this.ctx = ctx;
    }

    /**
     * @param showSamples false: the samples' texts are hidden (runs whose samples may be offensive)
     */
    public record Config(String title, boolean showSamples) {
        public static Config defaults(String title) { return new Config(title, true); }
    }

    /**
     * @param ppoDir      the PPO, GRPO or RLOO run directory (metrics.jsonl), or null (DPO: no rollouts)
     * @param evalDir     an eval directory (result.json), or null: the first and last training batches stand in
     * @param rewardDir   the reward model's or classifier's directory (its metrics.json gives val_accuracy), or null
     * @param labelsDir   the labels directory (agreement.json), or null
     * @param shownConfig rows of the report's configuration table
     * @param wallSeconds the run's wall time, or null: PPO's own
     */
    public record Inputs(Path ppoDir, Path evalDir, Path rewardDir, Path labelsDir, Map<String, ?> shownConfig, Double wallSeconds) {
        public static Inputs of(Path ppoDir, Path evalDir) { return new Inputs(ppoDir, evalDir, null, null, Map.of(), null); }
    }

    public record Result(Path report, Path summaryFile, Summary summary) {}

    public Result run(Inputs in, Path out) throws IOException {
        Evaluation.Result eval = in.evalDir() == null ? null : EvalStage.read(in.evalDir());
        Summary extra = Summary.empty().withFeedback(new Summary.Feedback(figure(in.rewardDir(), "metrics.json", "val_accuracy"),
                        figure(in.labelsDir(), "agreement.json", "agreement_pairwise"), figure(in.labelsDir(), "agreement.json", "fleiss_kappa")))
                .withRun(new Summary.Run(null, in.wallSeconds()));
        Path report = out.resolve(RunReport.FILE), summaryFile = out.resolve(Summary.FILE);
        Outputs.prepare(List.of(report, summaryFile), ctx.output(), ctx.err());
        Files.createDirectories(out);
        Summary s = Reports.write(in.ppoDir(), out, cfg.title(), in.shownConfig(), eval == null || cfg.showSamples() ? eval : hideSamples(eval), extra);
        ctx.err().printf(Locale.ROOT, "report: %s%n", report);
        return new Result(report, summaryFile, s);
    }

    /** A number of a JSON file in a directory, or null when the directory, the file or the key is missing. */
    private static Double figure(Path dir, String file, String key) throws IOException {
        if (dir == null || !Files.isRegularFile(dir.resolve(file))) return null;
        JsonElement e = StageFiles.readJson(dir.resolve(file), JsonObject.class).get(key);
        return e == null || e.isJsonNull() ? null : e.getAsDouble();
    }

    /** The evaluation without its texts (for runs whose samples are offensive and must not be shown by default). */
    private static Evaluation.Result hideSamples(Evaluation.Result e) {
        List<Evaluation.SampleRow> none = e.samples().stream().map(r -> new Evaluation.SampleRow("(hidden)", "(hidden)", "(hidden)",
                r.referenceReward(), r.trainedReward(), r.referenceGold(), r.trainedGold())).toList();
        return new Evaluation.Result(e.reference(), e.trained(), e.winRate(), e.winRateBy(), none);
    }
}
