package rlhf4j.rlhf.ppo;

/**
 * Per-token rewards of a batch of completions (Ziegler et al. 2019): every token pays the KL penalty and the last
 * real token also receives the sequence's score,
 * <pre>
 *   r_t = −β·(log π_old(y_t) − log π_ref(y_t))  +  [t = L − 1]·s'
 *   s'  = clip(s − [no stop token]·p_eos, −c, c)      (p_eos the missing-EOS penalty, c the reward clip; 0 = off)
 * </pre>
 * with L the completion's length. Optionally the rewards are whitened over the batch's real tokens with their mean
 * kept, r ← (r − μ)/σ + μ. Arrays are (B, N) row-major; padding gets 0.
 */
public final class ShapedRewards {
    private ShapedRewards() {}

    /**
     * @param outputs log π_old and log π_ref of each completion token
     * @param tokens  lengths, mask and whether each completion ended with the stop token
     * @param scores  (B) the reward function's scores
     * @param beta    the KL coefficient β
     */
    public static float[] compute(Rollout.Outputs outputs, Rollout.Tokens tokens, float[] scores, double beta,
                                  PpoConfig.Advantage cfg) {
        float[] logProbs = outputs.logProbs(), refLogProbs = outputs.refLogProbs(), mask = tokens.mask();
        int n = tokens.n();
        float[] rewards = new float[logProbs.length];
        for (int i = 0; i < rewards.length; i++) rewards[i] = (float) (-beta * (logProbs[i] - refLogProbs[i])) * mask[i];
        for (int r = 0; r < tokens.size(); r++) {
            int length = tokens.lengths()[r];
            if (length == 0) continue;
            double score = scores[r];
            if (!tokens.ended()[r]) score -= cfg.missingEosPenalty();                   // penalise rambling past the budget
            if (cfg.rewardClip() > 0) score = Math.max(-cfg.rewardClip(), Math.min(cfg.rewardClip(), score));
            rewards[r * n + length - 1] += (float) score;
        }
        return cfg.whitenRewards() ? Masked.whiten(rewards, mask, true) : rewards;
    }
}
