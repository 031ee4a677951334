package rlhf4j.rlhf.consensus;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.ItemKey;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.feedback.Ranking;

/** Builds a reward model's training groups from a feedback data set. Groups without a single pair are dropped. */
public final class PreferenceGroups {
    private PreferenceGroups() {}

    /** One group per usable judgement: every labeler's ranking is its own training example. */
    public static List<PreferenceGroup> perJudgement(FeedbackData data) {
        Map<String, Prompt> prompts = data.promptsById();
        Map<String, Completion> completions = data.completionsById();
        List<PreferenceGroup> groups = new ArrayList<>();
        for (Judgement j : data.judgements()) {
            if (j.unusable()) continue;
            add(groups, j.labelerId(), j.item(), j.ranking(), prompts, completions);
        }
        return groups;
    }

    /** One group per item, from the consensus of its judgements. */
    public static List<PreferenceGroup> consensus(FeedbackData data, ConsensusMethod method) {
        Map<String, Prompt> prompts = data.promptsById();
        Map<String, Completion> completions = data.completionsById();
        List<PreferenceGroup> groups = new ArrayList<>();
        String source = "consensus:" + method.name().toLowerCase(java.util.Locale.ROOT);
        Consensus.rankings(data.judgements(), method)
                .forEach((item, ranking) -> add(groups, source, item, ranking, prompts, completions));
        return groups;
    }

    private static void add(List<PreferenceGroup> groups, String source, ItemKey item, Ranking ranking,
                            Map<String, Prompt> prompts, Map<String, Completion> completions) {
        Prompt prompt = prompts.get(item.promptId());
        if (prompt == null) throw new IllegalArgumentException("judged prompt " + item.promptId() + " is not in the prompts");
        List<Completion> shown = new ArrayList<>();
        for (String id : item.completionIds()) {
            Completion c = completions.get(id);
            if (c == null) throw new IllegalArgumentException("judged completion " + id + " is not in the completions");
            shown.add(c);
        }
        PreferenceGroup group = PreferenceGroup.of(source, item.criterion(), prompt, shown, ranking);
        if (!group.pairs().isEmpty()) groups.add(group);
    }
}
