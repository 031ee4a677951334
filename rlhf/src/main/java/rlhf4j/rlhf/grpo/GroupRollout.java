package rlhf4j.rlhf.grpo;

import rlhf4j.rlhf.ppo.Rollout;
import rlhf4j.rlhf.ppo.RolloutSampling;

/**
 * One GRPO / RLOO batch: what was sampled (rows grouped by prompt), what the policy and reference said about it, the
 * scores and the sequence advantages. Per-token arrays are (B, N) row-major with 0 at padding.
 *
 * @param sampled    prompts, token batch and completion texts
 * @param outputs    log π_old, log π_ref and entropy per token (no values: there is no critic)
 * @param scores     (B) reward-function scores
 * @param advantages (B) A_i from the group ({@link GroupAdvantages})
 * @param logProbGap max |generator log-prob − log π_old|
 */
record GroupRollout(RolloutSampling.Sampled sampled, Rollout.Outputs outputs, float[] scores, float[] advantages, double logProbGap) {
    Rollout.Tokens tokens() { return sampled.tokens(); }

    int[] promptIndex() { return sampled.promptIndex(); }

    String[] completions() { return sampled.completions(); }

    float[] logProbs() { return outputs.logProbs(); }

    float[] refLogProbs() { return outputs.refLogProbs(); }

    float[] entropy() { return outputs.entropy(); }

    /** Σ_t k1 = Σ_t (log π_old − log π_ref)(y_t) of each row. */
    double[] klPerSequence() { return RolloutSampling.klPerSequence(logProbs(), refLogProbs(), tokens()); }
}
