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
 * Writes a run's {@code summary.json} and {@code report.html} from its metrics and, when there is one, an
 * evaluation of reference vs trained policy (whose held-out figures then take precedence over training batches).
 */
public final class Reports {
    private Reports() {}

    /**
     * @param eval  reference vs trained on held-out prompts, or null (the first and last training batches stand in)
     * @param extra fields only the pipeline knows (reward-model accuracy, labeler agreement); wins over the rest
     */
    public static Summary write(Path runDir, String title, Map<String, ?> config, Evaluation.Result eval, Summary extra)
            throws IOException {
        RunLog log = new RunLog(runDir);
        List<IterationStats> m = log.metrics();
        Summary fromTraining = Summary.empty();
        if (!m.isEmpty()) {
            double wall = m.stream().mapToDouble(s -> s.time().total()).sum();
            fromTraining = new Summary(m.getFirst().score().mean(), m.getLast().score().mean(), null, null, m.getLast().kl().sequence(),
                    null, null, null, null, null, null, m.size(), wall);
        }
        Summary fromEval = Summary.empty();
        float[] before = null, after = null;
        List<RunReport.SampleRow> samples = new ArrayList<>();
        if (eval != null) {
            Evaluation.Side r = eval.reference(), t = eval.trained();
            fromEval = new Summary(r.reward().mean(), t.reward().mean(), r.gold() == null ? null : r.gold().mean(),
                    t.gold() == null ? null : t.gold().mean(), t.klToReference().mean(),
                    r.toxicity() == null ? null : r.toxicity().mean(), t.toxicity() == null ? null : t.toxicity().mean(),
                    eval.winRate(), null, null, null, null, null);
            before = r.rewards();
            after = t.rewards();
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
        Summary summary = Summary.read(runDir).merge(fromTraining).merge(fromEval).merge(extra == null ? Summary.empty() : extra);
        summary.write(runDir);
        RunReport.write(runDir, new RunReport.Content(title, summary, config, m, before, after, samples));
        return summary;
    }
}
