package rlhf4j.rlhf.grpo;

import rlhf4j.autograd.Variable;
import rlhf4j.tensor.Tensor;

/**
 * The GRPO / RLOO objective on one minibatch of b completions, the advantage A_i of completion i shared by its
 * tokens, and token weights w_{i,t} that encode the averaging:
 * <pre>
 *   ρ_{i,t}  = exp(log π_θ(y_{i,t}) − log π_old(y_{i,t}))
 *   k3_{i,t} = π_ref/π_θ − log(π_ref/π_θ) − 1 = exp(d) − d − 1,   d = log π_ref(y_{i,t}) − log π_θ(y_{i,t})
 *   ℓ_{i,t}  = max(−A_i·ρ_{i,t}, −A_i·clip(ρ_{i,t}, 1 − ε, 1 + ε)) + β·k3_{i,t}
 *   L        = Σ_{i,t} w_{i,t}·ℓ_{i,t}
 *   w_{i,t}  = m_{i,t} / (b·|y_i|)     GRPO and RLOO: each completion's tokens averaged, then the completions
 *   w_{i,t}  = m_{i,t} / (b·N_max)     Dr. GRPO: no length normalisation (a constant instead of |y_i|)
 * </pre>
 * k3 (Schulman 2020) is an unbiased, always non-negative estimate of KL(π_θ ‖ π_ref) from samples of π_θ; its gradient
 * at π_θ = π_ref is zero. With A = 0 and π_θ = π_ref, every gradient is zero.
 */
final class GrpoLoss {
    private GrpoLoss() {}

    /**
     * What the update fits, each (b, N) on the model's device.
     *
     * @param mask        1 for real completion tokens
     * @param weights     w_{i,t} ({@link #weights})
     * @param oldLogProbs log π_old (0 at padding)
     * @param refLogProbs log π_ref (0 at padding)
     * @param advantages  A_i repeated over the row's tokens
     */
    record Targets(Tensor mask, Tensor weights, Tensor oldLogProbs, Tensor refLogProbs, Tensor advantages) {}

    /** The surrogate and KL terms (scalars, weighted as L), the total L = surrogate + β·kl, and the ratios ρ (b, N). */
    record Terms(Variable surrogate, Variable kl, Variable total, Variable ratio) {}

    /** @param logProbs log π_θ (b, N) of the completion tokens */
    static Terms compute(Variable logProbs, Targets t, GrpoConfig.Objective cfg) {
        double eps = cfg.clipRange();
        Variable ratio = logProbs.sub(t.oldLogProbs()).exp();                                        // (b, N)
        Variable unclipped = ratio.mul(t.advantages()).neg();                                        // (b, N)
        Variable clipped = ratio.clamp(1 - eps, 1 + eps).mul(t.advantages()).neg();                  // (b, N)
        Variable surrogate = unclipped.maximum(clipped).mul(t.weights()).sum();                      // ()
        Variable d = logProbs.neg().add(t.refLogProbs()).mul(t.mask());                              // (b, N), 0 at padding
        Variable k3 = d.exp().sub(d).sub(1.0);                                                       // (b, N)
        Variable kl = k3.mul(t.weights()).sum();                                                     // ()
        return new Terms(surrogate, kl, cfg.beta() == 0 ? surrogate : surrogate.add(kl.mul(cfg.beta())), ratio);
    }

    /** k3 of one token: exp(d) − d − 1 with d = log π_ref − log π. */
    static double k3(double logProb, double refLogProb) {
        double d = refLogProb - logProb;
        return Math.exp(d) - d - 1;
    }

    /**
     * The token weights of some rows: m_t/(b·length) when length-normalised, else m_t/(b·maxNewTokens); a row with no
     * tokens weighs nothing.
     *
     * @param lengths (b) completion lengths
     * @param n       N, the padded width
     */
    static float[] weights(int[] lengths, int n, boolean lengthNormalised, int maxNewTokens) {
        return weights(lengths, n, lengthNormalised, maxNewTokens, lengths.length);
    }

    /** As above for a rank's share of a minibatch of b rows: the weights of the whole minibatch's averaging. */
    static float[] weights(int[] lengths, int n, boolean lengthNormalised, int maxNewTokens, int b) {
        float[] w = new float[lengths.length * n];
        for (int r = 0; r < lengths.length; r++) {
            if (lengths[r] == 0) continue;
            float v = (float) (1.0 / ((double) b * (lengthNormalised ? lengths[r] : maxNewTokens)));
            for (int t = 0; t < lengths[r]; t++) w[r * n + t] = v;
        }
        return w;
    }
}
