package rlhf4j.rlhf.serve.web;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.serve.LabelingService;
import rlhf4j.rlhf.serve.LabelingService.CampaignSpec;
import rlhf4j.rlhf.serve.SqliteLabelingService;

/** Test data for the server: a service over a fresh database and small campaigns. */
final class Fixtures {
    static final String PASSWORD = "correct horse battery";

    private Fixtures() {}

    /** A labeling service over a new database in {@code dir}. */
    static LabelingService service(Path dir) throws IOException {
        return SqliteLabelingService.open(dir.resolve("labels.db"));
    }

    /** {@code prompts} prompts with {@code k} completions each; completion texts name their prompt and index. */
    static FeedbackData items(int prompts, int k) {
        List<Prompt> ps = new ArrayList<>();
        List<Completion> cs = new ArrayList<>();
        for (int p = 0; p < prompts; p++) {
            ps.add(new Prompt("p" + p, "Prompt number " + p + ": tell a short story."));
            for (int c = 0; c < k; c++) cs.add(new Completion("p" + p + "-c" + c, "p" + p, "Story " + c + " for prompt " + p + "."));
        }
        return new FeedbackData(ps, cs, List.of());
    }

    static CampaignSpec spec(String name, int k, int labelersPerItem) {
        return new CampaignSpec(name, "helpfulness", "# Rank by helpfulness\n\nPut the **most helpful** story first.", k,
                labelersPerItem, Duration.ofMinutes(30), Map.of());
    }
}
