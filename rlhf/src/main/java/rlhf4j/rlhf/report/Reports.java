package rlhf4j.rlhf.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import rlhf4j.rlhf.eval.Evaluation;
import rlhf4j.rlhf.ppo.IterationStats;
import rlhf4j.rlhf.ppo.RunLog;

/**
 * Writes {@code summary.json} and {@code report.html} from a PPO run's metrics and, when there is one, an evaluation
 * of reference vs trained policy (whose held-out figures then take precedence over training batches).
 */
public final class Reports {
    private Reports() {}

    /**
     * @param ppoDir the PPO (or GRPO / RLOO) run directory (metrics.jsonl, samples), or null for training without rollouts (DPO)
     * @param outDir where summary.json and report.html go (replaced)
     * @param eval   reference vs trained on held-out prompts, or null (the first and last training batches stand in)
     * @param extra  figures only the caller knows (reward-model accuracy, labeler agreement, wall time); wins over the rest
     */
    public static Summary write(Path ppoDir, Path outDir, String title, Map<String, ?> config, Evaluation.Result eval, Summary extra)
            throws IOException {
        RunLog log = ppoDir == null ? null : new RunLog(ppoDir);
        List<IterationStats> m = log == null ? List.of() : log.metrics();
        Summary summary = fromTraining(m).merge(eval == null ? Summary.empty() : fromEvaluation(eval))
                .merge(extra == null ? Summary.empty() : extra);
        float[] before = null, after = null;
        List<RunReport.SampleRow> samples = new ArrayList<>();
        if (eval != null) {
            before = eval.reference().rewards();
            after = eval.trained().rewards();
            for (Evaluation.SampleRow s : eval.samples().subList(0, Math.min(12, eval.samples().size())))
                samples.add(new RunReport.SampleRow(s.prompt(), s.reference(), s.trained(), s.referenceReward(), s.trainedReward()));
        } else if (!m.isEmpty()) {
            before = log.scores(m.getFirst().iteration());
            after = log.scores(m.getLast().iteration());
            int first = m.getFirst().iteration(), last = m.getLast().iteration();
            for (RunLog.Sample s : log.samples()) {
                if (s.iteration() == first) samples.add(new RunReport.SampleRow(s.prompt(), s.completion(), "", s.score(), null));
                else if (s.iteration() == last) samples.add(new RunReport.SampleRow(s.prompt(), "", s.completion(), null, s.score()));
            }
        }
        summary.write(outDir);
        RunReport.write(outDir, new RunReport.Content(title, summary, config, m, before, after, samples));
        return summary;
    }

    /** The first and last training batches' mean score, the last KL, the iterations and their summed time. */
    static Summary fromTraining(List<IterationStats> m) {
        if (m.isEmpty()) return Summary.empty();
        double wall = m.stream().mapToDouble(s -> s.time().total()).sum();
        return Summary.empty().withReward(m.getFirst().score().mean(), m.getLast().score().mean()).withKlAfter(m.getLast().kl().sequence())
                .withRun(new Summary.Run(m.size(), wall));
    }

    /** The held-out figures: rewards, gold and toxicity before and after, KL, win rate. */
    static Summary fromEvaluation(Evaluation.Result eval) {
        Evaluation.Side r = eval.reference(), t = eval.trained();
        return Summary.empty().withReward(r.reward().mean(), t.reward().mean())
                .withGold(mean(r.gold()), mean(t.gold())).withToxicity(mean(r.toxicity()), mean(t.toxicity()))
                .withKlAfter(t.klToReference().mean()).withWinRate(eval.winRate());
    }

    private static Double mean(Evaluation.MeanStd m) { return m == null ? null : m.mean(); }
}
