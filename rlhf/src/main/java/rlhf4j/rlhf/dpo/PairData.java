package rlhf4j.rlhf.dpo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import rlhf4j.rlhf.consensus.PreferenceGroup;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.reward.PairwiseLoss;
import rlhf4j.transformer.Policy;
import rlhf4j.transformer.tokenizer.Tokenizer;

/**
 * Preference groups as the policy reads them: each completion of each group is one row, its prompt's ids (as
 * {@link Policy#encodePrompt} feeds them at generation time) followed by the completion's ids. A completion's ids are
 * the tokens that prompt + completion adds to the prompt's tokens when the two are encoded together (so a word split
 * across the boundary is tokenized as the policy would have written it), else the completion encoded alone; they are
 * cut to {@code maxCompletionTokens}. No stop token is appended: the texts say nothing of how a completion ended.
 */
public final class PairData {
    private final List<PreferenceGroup> groups;
    private final int[] firstRow;                  // per group: its first row; its completions are consecutive rows
    private final List<int[]> prompts = new ArrayList<>(), completions = new ArrayList<>();

    private PairData(List<PreferenceGroup> groups) {
        this.groups = List.copyOf(groups);
        this.firstRow = new int[groups.size()];
    }

    /** Every group's completions through the policy's tokenizer; prompts cut to leave room for maxCompletionTokens. */
    public static PairData encode(List<PreferenceGroup> groups, Policy policy, int maxCompletionTokens) {
        if (groups.isEmpty()) throw new IllegalArgumentException("no preference groups to train on");
        PairData d = new PairData(groups);
        for (int g = 0; g < groups.size(); g++) {
            PreferenceGroup group = groups.get(g);
            if (group.pairs().isEmpty()) throw new IllegalArgumentException("preference group of prompt " + group.prompt().id() + " has no pair");
            d.firstRow[g] = d.prompts.size();
            int[] prompt = policy.encodePrompt(group.prompt().text(), maxCompletionTokens);
            for (Completion c : group.completions()) {
                d.prompts.add(prompt);
                int[] ids = completionIds(policy.tokenizer(), group.prompt().text(), c.text());
                d.completions.add(ids.length <= maxCompletionTokens ? ids : Arrays.copyOf(ids, maxCompletionTokens));
            }
        }
        return d;
    }

    /** The ids prompt + completion adds after the prompt's own ids, or the completion alone without a leading BOS. */
    static int[] completionIds(Tokenizer tok, String prompt, String completion) {
        int[] p = tok.encode(prompt), full = tok.encode(prompt + completion);
        if (full.length >= p.length && Arrays.equals(full, 0, p.length, p, 0, p.length)) return Arrays.copyOfRange(full, p.length, full.length);
        int[] alone = tok.encode(completion);
        return alone.length > 0 && alone[0] == tok.bosId() ? Arrays.copyOfRange(alone, 1, alone.length) : alone;
    }

    /** Prompt + completion tokens of these rows. */
    public long tokens(int[] rows) {
        long n = 0;
        for (int r : rows) n += prompts.get(r).length + completions.get(r).length;
        return n;
    }

    public int groupCount() { return groups.size(); }

    public int rowCount() { return prompts.size(); }

    public List<PreferenceGroup> groups() { return groups; }

    /**
     * The rows of some groups, in order, as one batch: prompts left-padded to P, completions right-padded to N ≥ 1,
     * and the groups' pairs as indices into the batch's rows, weighted 1/(G · pairs of the group).
     */
    public PairBatch batch(int[] groupIndices) {
        List<Integer> rows = new ArrayList<>();
        List<PreferenceGroup> chosen = new ArrayList<>();
        for (int g : groupIndices) {
            chosen.add(groups.get(g));
            for (int i = 0; i < groups.get(g).completions().size(); i++) rows.add(firstRow[g] + i);
        }
        int[] r = rows.stream().mapToInt(Integer::intValue).toArray();
        return PairBatch.of(r, prompts, completions, PairwiseLoss.Pairs.ofGroups(chosen));
    }
}
