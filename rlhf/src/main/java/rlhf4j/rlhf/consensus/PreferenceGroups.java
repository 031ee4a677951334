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

    /**
     * The groups with each pair's margin set to the labelers' agreement on it: m = max(0, (n_w − n_l) / n) over the n
     * usable judgements of the group's item, n_w of them ranking the winner above the loser and n_l the other way; a
     * tie counts in n for neither side. Three PandaLM annotators who all prefer w give 1; two who prefer it and one
     * tie give ⅔; two against one give ⅓. So a pair the labelers were unsure of asks the reward model for a smaller
     * gap. Groups whose item has no judgement keep their margins.
     */
    public static List<PreferenceGroup> withAgreementMargins(List<PreferenceGroup> groups, List<Judgement> judgements) {
        Map<ItemKey, List<Ranking>> byItem = new java.util.HashMap<>();
        for (Judgement j : judgements) if (!j.unusable()) byItem.computeIfAbsent(j.item(), k -> new ArrayList<>()).add(j.ranking());
        List<PreferenceGroup> out = new ArrayList<>();
        for (PreferenceGroup g : groups) {
            List<String> ids = g.completions().stream().map(Completion::id).toList();
            List<Ranking> rankings = byItem.get(ItemKey.of(g.criterion(), g.prompt().id(), ids));
            if (rankings == null) {
                out.add(g);
                continue;
            }
            List<PreferenceGroup.IndexPair> pairs = new ArrayList<>();
            for (PreferenceGroup.IndexPair p : g.pairs()) {
                String w = ids.get(p.winner()), l = ids.get(p.loser());
                int net = 0;
                for (Ranking r : rankings) {
                    var choice = r.choice(w, l);
                    net += choice == rlhf4j.rlhf.feedback.PairwiseChoice.FIRST ? 1 : choice == rlhf4j.rlhf.feedback.PairwiseChoice.SECOND ? -1 : 0;
                }
                pairs.add(new PreferenceGroup.IndexPair(p.winner(), p.loser(), Math.max(0.0, (double) net / rankings.size())));
            }
            out.add(new PreferenceGroup(g.source(), g.criterion(), g.prompt(), g.completions(), pairs));
        }
        return out;
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
