package rlhf4j.rlhf.ppo;

/**
 * One batch of experience, on the host, in the order it is built: what was sampled, what the networks said about
 * it, the rewards, and the learning targets. B rollouts, each prompt left-padded to P and completion right-padded
 * to N: the token batch is (B, T = P + N). Per-token arrays are (B, N) row-major, 0 at padding (tokenMask 0).
 *
 * @param promptIndex (B) which prompt of the prompt set each row came from
 * @param tokens      the token batch and its masks
 * @param completions (B) completion texts (without the stop token)
 * @param outputs     log π_old, log π_ref, V_old and entropy of each completion token
 * @param rewards     scores and the per-token rewards built from them
 * @param targets     advantages and returns, what the learning phase fits
 * @param logProbGap  max |generator log-prob − log π_old| (a check that both computed the same distribution)
 */
public record Rollout(int[] promptIndex, Tokens tokens, String[] completions, Outputs outputs, Rewards rewards,
                      Targets targets, double logProbGap) {

    /**
     * @param ids          (B, T) prompt + completion token ids, pads 0
     * @param attention    (B, T) 1 for real tokens
     * @param promptLength P
     * @param n            N, the longest completion (at least 1)
     * @param lengths      (B) completion lengths
     * @param mask         (B, N) 1 for real completion tokens
     * @param ended        (B) whether the completion ended with the stop token
     */
    public record Tokens(int[] ids, int[] attention, int promptLength, int n, int[] lengths, float[] mask, boolean[] ended) {
        public int size() { return lengths.length; }

        /** T = P + N. */
        public int width() { return promptLength + n; }
    }

    /**
     * @param logProbs    (B, N) log π_old, the learner's log-probs at rollout time
     * @param refLogProbs (B, N) log π_ref
     * @param values      (B, N) V_old
     * @param entropy     (B, N) policy entropy at each position
     */
    public record Outputs(float[] logProbs, float[] refLogProbs, float[] values, float[] entropy) {}

    /**
     * @param scores   (B) reward-function scores as returned
     * @param perToken (B, N) per-token rewards: −β·k1 + (adjusted) score at the last token
     */
    public record Rewards(float[] scores, float[] perToken) {}

    /**
     * @param advantages (B, N) whitened GAE advantages
     * @param returns    (B, N) GAE returns (advantage before whitening + value)
     */
    public record Targets(float[] advantages, float[] returns) {}

    public int size() { return tokens.size(); }

    /** N. */
    public int n() { return tokens.n(); }
}
