package rlhf4j.rlhf.serve;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.feedback.Ranking;
import rlhf4j.rlhf.serve.LabelingService.CampaignSpec;
import rlhf4j.rlhf.serve.LabelingService.Submission;
import rlhf4j.rlhf.serve.LabelingService.Task;

/** Small campaigns for the labeling tests. */
final class ServeFixtures {
    private ServeFixtures() {}

    /** {@code prompts} prompts p0.., each with {@code k} completions p0-c0.. whose text is "answer j of pi". */
    static FeedbackData items(int prompts, int k) {
        List<Prompt> ps = new ArrayList<>();
        List<Completion> cs = new ArrayList<>();
        for (int i = 0; i < prompts; i++) {
            ps.add(new Prompt("p" + i, "prompt " + i));
            for (int j = 0; j < k; j++) cs.add(new Completion("p" + i + "-c" + j, "p" + i, "answer " + j + " of p" + i));
        }
        return new FeedbackData(ps, cs, List.of());
    }

    static CampaignSpec spec(String name, int k, int n, Duration lease) {
        return new CampaignSpec(name, "helpfulness", "# Rank\nBest first.", k, n, lease, Map.of());
    }

    /** Ranks a task's completions by their id (c0 best), a fresh submission id. */
    static Submission byId(Task t) {
        List<String> ids = t.completions().stream().map(Completion::id).sorted().toList();
        return new Submission(UUID.randomUUID().toString(), t.promptId(), Ranking.strict(ids), null, java.util.Set.of(), null, false);
    }

    /** Ranks a task's completions by their id in reverse (c0 worst). */
    static Submission reversed(Task t) {
        List<String> ids = new ArrayList<>(t.completions().stream().map(Completion::id).sorted().toList());
        java.util.Collections.reverse(ids);
        return new Submission(UUID.randomUUID().toString(), t.promptId(), Ranking.strict(ids), null, java.util.Set.of(), null, false);
    }

    static Submission skip(Task t) {
        return new Submission(UUID.randomUUID().toString(), t.promptId(), Ranking.empty(), null, java.util.Set.of(), null, true);
    }
}
