package rlhf4j.rlhf.ppo;

import com.google.gson.annotations.SerializedName;

/**
 * What one PPO iteration measured; one line of {@code metrics.jsonl} and one row of {@code metrics.csv}. The groups
 * are flattened there ({@link RunLog}): each figure is one column, under the name given by its
 * {@code @SerializedName} (e.g. {@code score().mean()} is {@code scoreMean}).
 *
 * <p>KL figures are k1 = log π − log π_ref of the sampled tokens; approx-KL is k3 = (ρ − 1) − log ρ between the
 * learner and the rollout policy (Schulman's low-variance estimator), averaged over the minibatches run.
 *
 * @param iteration   0-based
 * @param score       the reward function's scores of the batch
 * @param kl          the distance to the reference and the β that priced it
 * @param completions what was sampled
 * @param losses      the learning phase's losses
 * @param updates     how far the learning phase moved the policy from the rollout policy
 * @param time        seconds per phase
 */
public record IterationStats(int iteration, Score score, Kl kl, Completions completions, Losses losses, Updates updates,
                             Timings time) {

    /**
     * @param mean mean reward-function score of the batch (before penalties and clipping)
     * @param std  its standard deviation
     */
    public record Score(@SerializedName("scoreMean") double mean, @SerializedName("scoreStd") double std) {}

    /**
     * @param sequence mean over sequences of Σ_t k1
     * @param token    mean of k1 over all completion tokens
     * @param beta     KL coefficient used for this batch's rewards
     */
    public record Kl(@SerializedName("klSequence") double sequence, @SerializedName("klToken") double token,
                     @SerializedName("beta") double beta) {}

    /**
     * @param length      mean completion length in tokens
     * @param eosFraction fraction of completions that ended with the stop token
     * @param entropy     mean per-token entropy of the policy on its own samples
     * @param logProbGap  max |generator log-prob − learner log-prob| on the rollout (should be ~1e−5)
     */
    public record Completions(@SerializedName("responseLength") double length, @SerializedName("eosFraction") double eosFraction,
                              @SerializedName("entropy") double entropy, @SerializedName("logProbGap") double logProbGap) {}

    /**
     * @param policy            mean clipped-surrogate loss over minibatches
     * @param value             mean clipped value loss over minibatches
     * @param explainedVariance 1 − Var(returns − values)/Var(returns) of the rollout values
     * @param gradNorm          mean gradient norm before clipping
     */
    public record Losses(@SerializedName("policyLoss") double policy, @SerializedName("valueLoss") double value,
                         @SerializedName("explainedVariance") double explainedVariance,
                         @SerializedName("gradNorm") double gradNorm) {}

    /**
     * @param minibatches     updates made (fewer than epochs × minibatches after an early stop)
     * @param ratioMean       mean ratio exp(log π − log π_old) over the learner's tokens
     * @param ratioMax        largest ratio seen
     * @param firstRatioError max |ρ − 1| on the first minibatch of the first epoch, before any update: 0 unless the
     *                        learner computes log-probs differently from the rollout pass
     * @param clipFraction    fraction of tokens whose ratio left [1 − ε, 1 + ε]
     * @param approxKl        mean k3 over the learner's minibatches
     */
    public record Updates(@SerializedName("minibatchesRun") int minibatches, @SerializedName("ratioMean") double ratioMean,
                          @SerializedName("ratioMax") double ratioMax, @SerializedName("firstRatioError") double firstRatioError,
                          @SerializedName("clipFraction") double clipFraction, @SerializedName("approxKl") double approxKl) {}

    /**
     * @param generation      seconds spent sampling
     * @param scoring         seconds in the reward function
     * @param policyForward   seconds for the rollout's log π_old and values
     * @param reference       seconds for log π_ref
     * @param learning        seconds of PPO epochs
     * @param total           seconds for the whole iteration
     * @param tokensPerSecond completion tokens of the batch per second of the whole iteration
     */
    public record Timings(@SerializedName("timeGeneration") double generation, @SerializedName("timeScoring") double scoring,
                          @SerializedName("timePolicyForward") double policyForward,
                          @SerializedName("timeReference") double reference, @SerializedName("timeLearning") double learning,
                          @SerializedName("timeTotal") double total, @SerializedName("tokensPerSecond") double tokensPerSecond) {}
}
