package rlhf4j.rlhf.ppo;

import rlhf4j.tensor.Tensor;

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
    public record Ratios(double min, double mean, double max, double clipFraction, double approxKl) {
        /**
         * The statistics of ratios over real tokens: k3 = (ρ − 1) − log ρ ≥ 0 (Schulman's approx-KL), the fraction
         * with |ρ − 1| &gt; ε, and min, mean and max of ρ.
         *
         * @param ratio (b, N) ρ
         * @param mask  (b, N) 1 for real tokens
         */
        public static Ratios of(Tensor ratio, Tensor mask, double tokens, double eps) {
            float[] rho = ratio.toFloatArray(), m = mask.toFloatArray();
            double count = Math.max(1, tokens);
            double k3 = 0, clipCount = 0, sum = 0, min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < rho.length; i++) {
                if (m[i] == 0) continue;
                k3 += (rho[i] - 1) - Math.log(rho[i]);
                if (Math.abs(rho[i] - 1) > eps) clipCount++;
                min = Math.min(min, rho[i]);
                max = Math.max(max, rho[i]);
                sum += rho[i];
            }
            return new Ratios(min, sum / count, max, clipCount / count, k3 / count);
        }
    }
}
