package rlhf4j.rlhf.ppo;

import java.util.Locale;

/**
 * When a PPO run has collapsed and must stop before its policy is saved: the mean per-token entropy of a rollout
 * above {@code entropyFraction} · ln V (sampling has become nearly uniform over the vocabulary V, unless the run
 * started there, as a random model does), the mean per-completion KL to the reference past {@code maxKl} nats, or a
 * probability ratio π/π_old past {@code maxRatio} in the learning phase (one update moved the policy wildly).
 *
 * @param entropyFraction H > entropyFraction · ln V counts as collapsed (default 0.95)
 * @param maxKl           hard limit on Σ_t (log π − log π_ref)(y_t), the batch mean, in nats (default 100)
 * @param maxRatio        hard limit on the largest ratio of an iteration's updates (default 1000)
 */
public record CollapseLimits(double entropyFraction, double maxKl, double maxRatio) {
    public static final double ENTROPY_FRACTION = 0.95, MAX_KL = 100, MAX_RATIO = 1000;

    public CollapseLimits {
        if (!(entropyFraction > 0 && entropyFraction <= 1))
            throw new IllegalArgumentException("the collapse entropy fraction " + entropyFraction + " must be in (0, 1]");
        if (!(maxKl > 0)) throw new IllegalArgumentException("--max-kl " + maxKl + " must be > 0");
        if (!(maxRatio > 1)) throw new IllegalArgumentException("--max-ratio " + maxRatio + " must be > 1");
    }

    public static CollapseLimits defaults() { return new CollapseLimits(ENTROPY_FRACTION, MAX_KL, MAX_RATIO); }

    public CollapseLimits withMaxKl(double kl) { return new CollapseLimits(entropyFraction, kl, maxRatio); }

    /**
     * The problem with a rollout's policy, or null: its mean entropy (nats per token) against ln V, unless the run
     * started that high ({@code startEntropy}, NaN when unknown), and its mean KL per completion.
     */
    public String checkRollout(double entropy, double startEntropy, int vocab, double kl) {
        double uniform = Math.log(vocab), limit = entropyFraction * uniform;
        if (entropy > limit && !(startEntropy > limit))
            return String.format(Locale.ROOT, "the policy's entropy is %.3f nats per token, %.0f%% of ln %d = %.3f (uniform sampling; "
                    + "it started at %.3f): the policy has collapsed", entropy, 100 * entropy / uniform, vocab, uniform, startEntropy);
        if (kl > maxKl)
            return String.format(Locale.ROOT, "the KL to the reference is %.1f nats per completion, past the limit %s (--max-kl)", kl, fmt(maxKl));
        return null;
    }

    /** The problem with an iteration's largest probability ratio, or null. */
    public String checkRatio(double ratioMax) {
        if (!(ratioMax > maxRatio)) return null;
        return String.format(Locale.ROOT, "a probability ratio π/π_old reached %.4g in the updates, past the limit %s: one "
                + "iteration moved the policy far from the one that sampled", ratioMax, fmt(maxRatio));
    }

    private static String fmt(double v) { return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v); }
}
