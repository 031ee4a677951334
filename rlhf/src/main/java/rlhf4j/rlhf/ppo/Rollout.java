package rlhf4j.rlhf.ppo;

/**
 * One batch of experience, on the host. B rollouts, each prompt left-padded to P and completion right-padded to N:
 * the token batch is (B, T = P + N). Per-token arrays are (B, N) row-major, 0 at padding (tokenMask 0).
 *
 * @param promptIndex  (B) which prompt of the prompt set each row came from
 * @param ids          (B, T) prompt + completion token ids, pads 0
 * @param attention    (B, T) 1 for real tokens
 * @param promptLength P
 * @param n            N, the longest completion
 * @param lengths      (B) completion lengths
 * @param tokenMask    (B, N) 1 for real completion tokens
 * @param ended        (B) whether the completion ended with the stop token
 * @param completions  (B) completion texts
 * @param logProbs     (B, N) log π_old, the learner's log-probs at rollout time
 * @param refLogProbs  (B, N) log π_ref
 * @param values       (B, N) V_old
 * @param entropy      (B, N) policy entropy at each position
 * @param scores       (B) reward-function scores as returned
 * @param rewards      (B, N) per-token rewards: −β·k1 + (adjusted) score at the last token
 * @param advantages   (B, N) whitened GAE advantages
 * @param returns      (B, N) GAE returns (advantage before whitening + value)
 * @param logProbGap   max |generator log-prob − log π_old| (a check that both computed the same distribution)
 */
public record Rollout(int[] promptIndex, int[] ids, int[] attention, int promptLength, int n, int[] lengths,
                      float[] tokenMask, boolean[] ended, String[] completions, float[] logProbs, float[] refLogProbs,
                      float[] values, float[] entropy, float[] scores, float[] rewards, float[] advantages,
                      float[] returns, double logProbGap) {

    public int size() { return lengths.length; }

    /** T = P + N. */
    public int width() { return promptLength + n; }
}
