package rlhf4j.rlhf.reward;

import java.util.List;
import rlhf4j.rlhf.oracle.TextScorer;

/**
 * The reward PPO optimises: one number per (prompt, completion), higher is better, added at the completion's last
 * token. A pairwise reward model (the scalar head at the last token), a classifier (the logit of the class to
 * optimise for) and any oracle function all present themselves this way.
 */
@FunctionalInterface
public interface RewardFunction {

    /** One generated sample: the texts and the token ids they came from (ids may be null for text-only scorers). */
    record Sample(String prompt, String completion, int[] promptIds, int[] completionIds) {
        /** The prompt and completion as one text. */
        public String fullText() { return prompt + completion; }
    }

    /** Rewards for a batch, in order. */
    float[] score(List<Sample> batch);

    /** A short name for reports. */
    default String name() { return getClass().getSimpleName(); }

    /** An oracle as a reward: it scores the completion alone, or prompt + completion when {@code withPrompt}. */
    static RewardFunction of(TextScorer scorer, boolean withPrompt) {
        return new RewardFunction() {
            @Override public float[] score(List<Sample> batch) {
                float[] r = new float[batch.size()];
                for (int i = 0; i < r.length; i++) {
                    Sample s = batch.get(i);
                    r[i] = (float) scorer.score(withPrompt ? s.fullText() : s.completion());
                }
                return r;
            }

            @Override public String name() { return scorer.name(); }
        };
    }
}
