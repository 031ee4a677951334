package rlhf4j.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import rlhf4j.rlhf.stage.ReportStage;

/** {@code report}: a run's report.html and summary.json from the PPO run, an evaluation, the reward model and the labels ({@link ReportStage}). */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write report.html and summary.json from a PPO run and, when given, its evaluation, reward model and labels.")
public final class ReportCommand implements Callable<Integer> {
    @Option(names = "--ppo", required = true, description = "the PPO run directory")
    Path ppo;
    @Option(names = "--eval", description = "an eval directory (result.json); without it the first and last training batches stand in")
    Path eval;
    @Option(names = "--reward-model", description = "the reward model's or classifier's directory (its metrics.json: validation accuracy)")
    Path rewardModel;
    @Option(names = "--labels", description = "the labels directory (agreement.json: pairwise agreement, Fleiss' kappa)")
    Path labels;
    @Option(names = "--title", description = "the report's title (default: RLHF run OUT)")
    String title;
    @Option(names = "--hide-samples", description = "leave the samples' texts out (they may be offensive)")
    boolean hideSamples;
    @Option(names = "--out", required = true, description = "directory for report.html and summary.json")
    Path out;
    @Mixin StageOptions stage = new StageOptions();

    @Override public Integer call() throws Exception {
        Map<String, Object> shown = new LinkedHashMap<>();
        shown.put("ppo", ppo.toString());
        shown.put("eval", String.valueOf(eval));
        shown.put("reward_model", String.valueOf(rewardModel));
        shown.put("labels", String.valueOf(labels));
        var cfg = new ReportStage.Config(title != null ? title : "RLHF run " + out.getFileName(), !hideSamples);
        new ReportStage(cfg, stage.context()).run(new ReportStage.Inputs(ppo, eval, rewardModel, labels, shown, null), out);
        return 0;
    }
}
