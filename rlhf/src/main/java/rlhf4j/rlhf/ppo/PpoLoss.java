package rlhf4j.rlhf.ppo;

import rlhf4j.autograd.Variable;
import rlhf4j.tensor.Tensor;

/**
 * The PPO objective on one minibatch, every mean over its real completion tokens (mask m, count K = Σ m):
 * <pre>
 *   ρ_t      = exp(log π_θ(y_t) − log π_old(y_t))
 *   L_policy = Σ_t m_t·max(−A_t·ρ_t, −A_t·clip(ρ_t, 1 − ε, 1 + ε)) / K
 *   L_value  = ½·Σ_t m_t·max((V_t − R_t)², (V_old,t + clip(V_t − V_old,t, −c, c) − R_t)²) / K
 *   H        = Σ_t m_t·H(π_θ(·|y_&lt;t)) / K
 *   L        = L_policy + c_v·L_value − c_H·H
 * </pre>
 * The clipped surrogate takes the pessimistic side of each token's change; the clipped value loss keeps V from
 * moving further than c from its rollout value in one batch.
 */
final class PpoLoss {
    private PpoLoss() {}

    /**
     * What the update fits, for the rows of one minibatch, each (b, N) on the model's device.
     *
     * @param mask        1 for real completion tokens
     * @param oldLogProbs log π_old
     * @param oldValues   V_old
     * @param advantages  A (whitened)
     * @param returns     R
     * @param tokens      K, the real tokens of the minibatch
     */
    record Targets(Tensor mask, Tensor oldLogProbs, Tensor oldValues, Tensor advantages, Tensor returns, double tokens) {}

    /** The loss terms (scalars) and the ratios ρ (b, N) they were built from. */
    record Terms(Variable policy, Variable value, Variable entropy, Variable total, Variable ratio) {}

    /**
     * @param logProbs log π_θ (b, N) of the completion tokens
     * @param values   V (b, N)
     * @param entropy  per-position entropy (b, N)
     */
    static Terms compute(Variable logProbs, Variable values, Variable entropy, Targets t, PpoConfig.Loss cfg) {
        double count = Math.max(1, t.tokens()), eps = cfg.clipRange(), c = cfg.valueClipRange();
        Variable ratio = logProbs.sub(t.oldLogProbs()).exp();                                        // (b, N)
        Variable unclipped = ratio.mul(t.advantages()).neg();                                        // (b, N)
        Variable clipped = ratio.clamp(1 - eps, 1 + eps).mul(t.advantages()).neg();                  // (b, N)
        Variable policyLoss = unclipped.maximum(clipped).mul(t.mask()).sum().div(count);             // ()
        Variable vClipped = values.sub(t.oldValues()).clamp(-c, c).add(t.oldValues());               // (b, N)
        Variable valueLoss = values.sub(t.returns()).square().maximum(vClipped.sub(t.returns()).square())
                .mul(t.mask()).sum().div(count).mul(0.5);                                            // ()
        Variable meanEntropy = entropy.mul(t.mask()).sum().div(count);                               // ()
        Variable loss = policyLoss.add(valueLoss.mul(cfg.vfCoef())).sub(meanEntropy.mul(cfg.entropyCoef()));
        return new Terms(policyLoss, valueLoss, meanEntropy, loss, ratio);
    }

    /** Statistics of the ratios an update started from ({@link MinibatchStats.Ratios#of}). */
    static MinibatchStats.Ratios ratioStats(Tensor ratio, Tensor mask, double tokens, double eps) {
        return MinibatchStats.Ratios.of(ratio, mask, tokens, eps);
    }
}
