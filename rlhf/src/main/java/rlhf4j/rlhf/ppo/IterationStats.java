package rlhf4j.rlhf.ppo;

/**
 * What one PPO iteration measured; one line of {@code metrics.jsonl} and one row of {@code metrics.csv}.
 * KL figures are k1 = log π − log π_ref of the sampled tokens; approx-KL is k3 = (ρ − 1) − log ρ between the
 * learner and the rollout policy (Schulman's low-variance estimator), averaged over the minibatches run.
 *
 * @param iteration          0-based
 * @param scoreMean          mean reward-function score of the batch (before penalties and clipping)
 * @param scoreStd           its standard deviation
 * @param klSequence         mean over sequences of Σ_t k1
 * @param klToken            mean of k1 over all completion tokens
 * @param entropy            mean per-token entropy of the policy on its own samples
 * @param clipFraction       fraction of tokens whose ratio left [1 − ε, 1 + ε]
 * @param approxKl           mean k3 over the learner's minibatches
 * @param policyLoss         mean clipped-surrogate loss over minibatches
 * @param valueLoss          mean clipped value loss over minibatches
 * @param explainedVariance  1 − Var(returns − values)/Var(returns) of the rollout values
 * @param responseLength     mean completion length in tokens
 * @param eosFraction        fraction of completions that ended with the stop token
 * @param ratioMean          mean ratio exp(log π − log π_old) over the learner's tokens
 * @param ratioMax           largest ratio seen
 * @param firstRatioError    max |ρ − 1| on the first minibatch of the first epoch, before any update: 0 unless the
 *                           learner computes log-probs differently from the rollout pass
 * @param beta               KL coefficient used for this batch's rewards
 * @param gradNorm           mean gradient norm before clipping
 * @param minibatchesRun     updates made (fewer than epochs × minibatches after an early stop)
 * @param logProbGap         max |generator log-prob − learner log-prob| on the rollout (should be ~1e−5)
 * @param timeGeneration     seconds spent sampling
 * @param timeScoring        seconds in the reward function
 * @param timePolicyForward  seconds for the rollout's log π_old and values
 * @param timeReference      seconds for log π_ref
 * @param timeLearning       seconds of PPO epochs
 * @param timeTotal          seconds for the whole iteration
 * @param tokensPerSecond    completion tokens of the batch per second of the whole iteration
 */
public record IterationStats(int iteration, double scoreMean, double scoreStd, double klSequence, double klToken,
                             double entropy, double clipFraction, double approxKl, double policyLoss, double valueLoss,
                             double explainedVariance, double responseLength, double eosFraction, double ratioMean,
                             double ratioMax, double firstRatioError, double beta, double gradNorm, int minibatchesRun, double logProbGap,
                             double timeGeneration, double timeScoring, double timePolicyForward, double timeReference,
                             double timeLearning, double timeTotal, double tokensPerSecond) {}
