package rlhf4j.rlhf.ppo;

/**
 * What one minibatch update saw (for tests and diagnostics).
 *
 * @param epoch      0-based PPO epoch
 * @param index      0-based minibatch within the epoch
 * @param tokens     real completion tokens of the minibatch
 * @param policyLoss L_policy
 * @param valueLoss  L_value
 * @param entropy    mean per-token entropy H
 * @param ratios     the ratios ρ = π_θ/π_old the update started from
 * @param gradNorm   global gradient norm before clipping
 */
public record MinibatchStats(int epoch, int index, double tokens, double policyLoss, double valueLoss, double entropy,
                             Ratios ratios, double gradNorm) {

    /**
     * @param min          smallest ρ
     * @param mean         mean ρ over real tokens
     * @param max          largest ρ
     * @param clipFraction fraction of tokens with |ρ − 1| &gt; ε
     * @param approxKl     mean k3 = (ρ − 1) − log ρ
     */
    public record Ratios(double min, double mean, double max, double clipFraction, double approxKl) {}
}
