package rlhf4j.rlhf.ppo;

/**
 * Every hyper-parameter of a PPO run (defaults: {@link #defaults()}, after Ziegler et al. 2019 and TRL).
 *
 * @param batchSize          prompts per iteration (rollouts B)
 * @param minibatches        minibatches per epoch; each holds batchSize / minibatches rollouts
 * @param ppoEpochs          passes over one batch of rollouts
 * @param maxNewTokens       tokens generated per prompt at most (N)
 * @param temperature        sampling temperature; the learner's log-probs use the same one
 * @param learningRate       AdamW learning rate (constant)
 * @param weightDecay        AdamW weight decay
 * @param maxGradNorm        global gradient-norm clip
 * @param clipRange          ε of the clipped surrogate
 * @param clipRangeValue     how far a value may move from its rollout value before the loss is clipped
 * @param vfCoef             weight of the value loss
 * @param entropyCoef        weight of the entropy bonus
 * @param gamma              GAE discount γ
 * @param lambda             GAE λ
 * @param initKlCoef         β at the start
 * @param adaptiveKl         adapt β to reach targetKl (Ziegler et al.), else β is fixed
 * @param targetKl           per-sequence KL the adaptive controller aims at
 * @param klHorizon          the controller's horizon (in rollouts)
 * @param approxKlLimit      stop an epoch early when a minibatch's approx-KL (k3) exceeds this; 0 = never
 * @param missingEosPenalty  subtracted from the score of a completion that did not end with the stop token; 0 = off
 * @param rewardClip         scores clipped to [−rewardClip, rewardClip]; 0 = off
 * @param whitenRewards      whiten the per-token rewards of a batch (shift and scale; mean kept)
 * @param maxIterations      step cap
 * @param rewardThreshold    stop once the moving average of the mean score reaches this (NaN = never)
 * @param rewardWindow       iterations in that moving average
 * @param checkpointEvery    write a checkpoint every this many iterations (and at the end); 0 = only at the end
 * @param keepCheckpoints    newest checkpoints to keep
 * @param seed               the run's random seed (prompt order, sampling, minibatch order, value-head init)
 */
public record PpoConfig(int batchSize, int minibatches, int ppoEpochs, int maxNewTokens, double temperature,
                        double learningRate, double weightDecay, double maxGradNorm, double clipRange,
                        double clipRangeValue, double vfCoef, double entropyCoef, double gamma, double lambda,
                        double initKlCoef, boolean adaptiveKl, double targetKl, double klHorizon, double approxKlLimit,
                        double missingEosPenalty, double rewardClip, boolean whitenRewards, int maxIterations,
                        double rewardThreshold, int rewardWindow, int checkpointEvery, int keepCheckpoints, long seed) {

    public PpoConfig {
        if (batchSize < 1 || minibatches < 1 || batchSize % minibatches != 0)
            throw new IllegalArgumentException("batch size " + batchSize + " must be a positive multiple of minibatches " + minibatches);
        if (ppoEpochs < 1) throw new IllegalArgumentException("ppoEpochs " + ppoEpochs + " must be >= 1");
        if (maxNewTokens < 1) throw new IllegalArgumentException("maxNewTokens " + maxNewTokens + " must be >= 1");
        if (!(temperature > 0) || Double.isInfinite(temperature))
            throw new IllegalArgumentException("temperature " + temperature + " must be finite and > 0 (PPO needs a sampling distribution)");
        if (!(learningRate > 0)) throw new IllegalArgumentException("learning rate " + learningRate + " must be > 0");
        if (!(clipRange > 0) || !(clipRangeValue > 0)) throw new IllegalArgumentException("clip ranges must be > 0");
        if (!(gamma >= 0 && gamma <= 1) || !(lambda >= 0 && lambda <= 1))
            throw new IllegalArgumentException("gamma " + gamma + " and lambda " + lambda + " must be in [0, 1]");
        if (!(initKlCoef >= 0)) throw new IllegalArgumentException("initial KL coefficient " + initKlCoef + " must be >= 0");
        if (adaptiveKl && !(targetKl > 0 && klHorizon > 0))
            throw new IllegalArgumentException("adaptive KL needs targetKl > 0 and horizon > 0, got " + targetKl + ", " + klHorizon);
        if (maxIterations < 1) throw new IllegalArgumentException("maxIterations " + maxIterations + " must be >= 1");
        if (rewardWindow < 1 || checkpointEvery < 0 || keepCheckpoints < 1)
            throw new IllegalArgumentException("rewardWindow >= 1, checkpointEvery >= 0 and keepCheckpoints >= 1 needed");
    }

    /** Rollouts per minibatch. */
    public int minibatchSize() { return batchSize / minibatches; }

    public static PpoConfig defaults() {
        return new PpoConfig(16, 4, 4, 48, 1.0, 1e-5, 0.0, 1.0, 0.2, 0.2, 0.1, 0.0, 1.0, 0.95,
                0.05, true, 6.0, 10_000, 0.0, 0.0, 0.0, false, 100, Double.NaN, 5, 10, 2, 1234);
    }

    /** A copy with a different step cap (resuming a run for longer keeps everything else). */
    public PpoConfig withMaxIterations(int n) {
        return new PpoConfig(batchSize, minibatches, ppoEpochs, maxNewTokens, temperature, learningRate, weightDecay,
                maxGradNorm, clipRange, clipRangeValue, vfCoef, entropyCoef, gamma, lambda, initKlCoef, adaptiveKl,
                targetKl, klHorizon, approxKlLimit, missingEosPenalty, rewardClip, whitenRewards, n, rewardThreshold,
                rewardWindow, checkpointEvery, keepCheckpoints, seed);
    }
}
