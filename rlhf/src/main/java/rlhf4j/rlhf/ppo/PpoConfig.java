package rlhf4j.rlhf.ppo;

import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every hyper-parameter of a PPO run, grouped by the step it governs. Start from {@link #defaults()} and change
 * what differs, e.g. {@code PpoConfig.defaults().withMaxIterations(20).withLearningRate(1e-4)}, or replace a whole
 * group: {@code .withSampling(new Sampling(32, 64, 0.8))}. Each group checks its own values; this record checks what
 * spans groups (the batch must split into whole minibatches).
 *
 * @param sampling      how each batch of rollouts is drawn
 * @param optimisation  the AdamW steps on each batch
 * @param loss          the clipped surrogate, the clipped value loss and their weights
 * @param advantage     how scores become per-token rewards, advantages and returns
 * @param kl            the KL penalty's coefficient β and the approx-KL early stop
 * @param stopping      when the run ends
 * @param checkpointing when checkpoints are written and how many are kept
 * @param seed          the run's random seed (prompt order, sampling, minibatch order, value-head init)
 */
public record PpoConfig(Sampling sampling, Optimisation optimisation, Loss loss, Advantage advantage, KlControl kl,
                        Stopping stopping, Checkpointing checkpointing, long seed) {

    public PpoConfig {
        if (sampling == null || optimisation == null || loss == null || advantage == null || kl == null || stopping == null
                || checkpointing == null)
            throw new IllegalArgumentException("every group of the PPO config must be given");
        if (sampling.batchSize() % optimisation.minibatches() != 0)
            throw new IllegalArgumentException("batch size " + sampling.batchSize() + " must be a positive multiple of minibatches "
                    + optimisation.minibatches());
    }

    /**
     * The default values, as constants so that command-line options can show and use the very same ones.
     *
     * <p>Chosen on stories260K with TinyStories prompts against the VADER oracle (20 iterations, mean score of
     * iterations 0–4 → 15–19): these settings gave 0.52 → 0.71, 0.53 → 0.74 and 0.52 → 0.78 (seeds 1234, 1, 2) at a
     * per-sequence KL of about 5, where the earlier ones (lr 1e−5, 4 epochs × 4 minibatches of a batch of 16 × 48
     * tokens, λ 0.95, a randomly initialised value head) gave 0.48 → 0.53. What mattered: a value head that starts at
     * V ≡ 0 ({@link PpoModels#zeroValueHead}), λ = 1 (advantages that do not lean on a critic which has not learned
     * yet), fewer and larger minibatches (2 epochs × 2) at a higher learning rate, and twice the rollouts per batch
     * at 32 tokens each, for the same cost per iteration.
     */
    public static final class Defaults {
        private Defaults() {}

        public static final int BATCH_SIZE = 32, MAX_NEW_TOKENS = 32;
        public static final double TEMPERATURE = 1.0;
        public static final double LEARNING_RATE = 2e-4, WEIGHT_DECAY = 0.0, MAX_GRAD_NORM = 1.0;
        public static final int PPO_EPOCHS = 2, MINIBATCHES = 2;
        public static final double CLIP_RANGE = 0.2, VALUE_CLIP_RANGE = 0.2, VF_COEF = 0.1, ENTROPY_COEF = 0.0;
        public static final double GAMMA = 1.0, LAMBDA = 1.0, REWARD_CLIP = 0.0, MISSING_EOS_PENALTY = 0.0;
        public static final boolean WHITEN_REWARDS = false;
        public static final double INIT_KL_COEF = 0.05, TARGET_KL = 6.0, KL_HORIZON = 10_000, APPROX_KL_LIMIT = 0.0;
        public static final boolean ADAPTIVE_KL = false;
        public static final int MAX_ITERATIONS = 100, REWARD_WINDOW = 5;
        public static final int CHECKPOINT_EVERY = 10, KEEP_CHECKPOINTS = 2;
        public static final long SEED = 1234;
    }

    public static PpoConfig defaults() {
        return new PpoConfig(
                new Sampling(Defaults.BATCH_SIZE, Defaults.MAX_NEW_TOKENS, Defaults.TEMPERATURE),
                new Optimisation(Defaults.LEARNING_RATE, Defaults.WEIGHT_DECAY, Defaults.MAX_GRAD_NORM, Defaults.PPO_EPOCHS,
                        Defaults.MINIBATCHES),
                new Loss(Defaults.CLIP_RANGE, Defaults.VALUE_CLIP_RANGE, Defaults.VF_COEF, Defaults.ENTROPY_COEF),
                new Advantage(Defaults.GAMMA, Defaults.LAMBDA, Defaults.WHITEN_REWARDS, Defaults.REWARD_CLIP,
                        Defaults.MISSING_EOS_PENALTY),
                new KlControl(Defaults.INIT_KL_COEF, Defaults.ADAPTIVE_KL, Defaults.TARGET_KL, Defaults.KL_HORIZON,
                        Defaults.APPROX_KL_LIMIT),
                new Stopping(Defaults.MAX_ITERATIONS, Double.NaN, Defaults.REWARD_WINDOW),
                new Checkpointing(Defaults.CHECKPOINT_EVERY, Defaults.KEEP_CHECKPOINTS),
                Defaults.SEED);
    }

    // ------------------------------------------------------------------------------------------------ the groups

    /**
     * How each batch of rollouts is drawn. Top-k and top-p stay off: the learner's softmax(logits/τ) must be exactly
     * the distribution the tokens were sampled from.
     *
     * @param batchSize    prompts per iteration (rollouts B)
     * @param maxNewTokens tokens generated per prompt at most (N)
     * @param temperature  sampling temperature τ; the learner's log-probs use the same one
     */
    public record Sampling(int batchSize, int maxNewTokens, double temperature) {
        public Sampling {
            if (batchSize < 1) throw new IllegalArgumentException("batch size " + batchSize + " must be >= 1");
            if (maxNewTokens < 1) throw new IllegalArgumentException("max new tokens " + maxNewTokens + " must be >= 1");
            if (!(temperature > 0) || Double.isInfinite(temperature))
                throw new IllegalArgumentException("temperature " + temperature + " must be finite and > 0 (PPO needs a sampling distribution)");
        }

        public Sampling withTemperature(double t) { return new Sampling(batchSize, maxNewTokens, t); }
    }

    /**
     * The learning phase: ppoEpochs passes over the batch, each in minibatches shuffled anew, one AdamW step per
     * minibatch (constant learning rate, β₁ 0.9, β₂ 0.999, ε 1e−8) after clipping the gradient's global norm.
     *
     * @param learningRate AdamW learning rate
     * @param weightDecay  AdamW (decoupled) weight decay
     * @param maxGradNorm  global gradient-norm clip
     * @param ppoEpochs    passes over one batch of rollouts
     * @param minibatches  minibatches per epoch; each holds batchSize / minibatches rollouts
     */
    public record Optimisation(double learningRate, double weightDecay, double maxGradNorm, int ppoEpochs, int minibatches) {
        public Optimisation {
            if (!(learningRate > 0) || Double.isInfinite(learningRate))
                throw new IllegalArgumentException("learning rate " + learningRate + " must be finite and > 0");
            if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight decay " + weightDecay + " must be >= 0");
            if (!(maxGradNorm > 0)) throw new IllegalArgumentException("max grad norm " + maxGradNorm + " must be > 0");
            if (ppoEpochs < 1) throw new IllegalArgumentException("PPO epochs " + ppoEpochs + " must be >= 1");
            if (minibatches < 1) throw new IllegalArgumentException("minibatches " + minibatches + " must be >= 1");
        }

        public Optimisation withLearningRate(double lr) { return new Optimisation(lr, weightDecay, maxGradNorm, ppoEpochs, minibatches); }

        public Optimisation withPpoEpochs(int epochs) { return new Optimisation(learningRate, weightDecay, maxGradNorm, epochs, minibatches); }
    }

    /**
     * The terms of L = L_policy + c_v·L_value − c_H·H (see {@link PpoTrainer}).
     *
     * @param clipRange      ε of the clipped surrogate: ρ is clipped to [1 − ε, 1 + ε]
     * @param valueClipRange c: how far a value may move from its rollout value before the value loss is clipped
     * @param vfCoef         c_v, the weight of the value loss
     * @param entropyCoef    c_H, the weight of the entropy bonus
     */
    public record Loss(double clipRange, double valueClipRange, double vfCoef, double entropyCoef) {
        public Loss {
            if (!(clipRange > 0)) throw new IllegalArgumentException("clip range " + clipRange + " must be > 0");
            if (!(valueClipRange > 0)) throw new IllegalArgumentException("value clip range " + valueClipRange + " must be > 0");
            if (!(vfCoef >= 0)) throw new IllegalArgumentException("value-loss coefficient " + vfCoef + " must be >= 0");
            if (!(entropyCoef >= 0)) throw new IllegalArgumentException("entropy coefficient " + entropyCoef + " must be >= 0");
        }
    }

    /**
     * How scores become per-token rewards and GAE advantages and returns.
     *
     * @param gamma             GAE discount γ
     * @param lambda            GAE λ
     * @param whitenRewards     whiten the per-token rewards of a batch (shift and scale; mean kept)
     * @param rewardClip        scores clipped to [−rewardClip, rewardClip]; 0 = off
     * @param missingEosPenalty subtracted from the score of a completion that did not end with the stop token; 0 = off
     */
    public record Advantage(double gamma, double lambda, boolean whitenRewards, double rewardClip, double missingEosPenalty) {
        public Advantage {
            if (!(gamma >= 0 && gamma <= 1)) throw new IllegalArgumentException("gamma " + gamma + " must be in [0, 1]");
            if (!(lambda >= 0 && lambda <= 1)) throw new IllegalArgumentException("lambda " + lambda + " must be in [0, 1]");
            if (!(rewardClip >= 0)) throw new IllegalArgumentException("reward clip " + rewardClip + " must be >= 0 (0 = off)");
            if (!Double.isFinite(missingEosPenalty))
                throw new IllegalArgumentException("missing-EOS penalty " + missingEosPenalty + " must be finite");
        }
    }

    /**
     * The coefficient β of the KL penalty (see {@link KlController}) and the approx-KL early stop of the learning phase.
     *
     * @param initBeta      β at the start
     * @param adaptive      adapt β to reach target (Ziegler et al. 2019), else β is fixed
     * @param target        per-sequence KL the adaptive controller aims at
     * @param horizon       the controller's horizon (in rollouts)
     * @param approxKlLimit stop an epoch early when a minibatch's approx-KL (k3) exceeds this; 0 = never
     */
    public record KlControl(double initBeta, boolean adaptive, double target, double horizon, double approxKlLimit) {
        public KlControl {
            if (!(initBeta >= 0) || Double.isInfinite(initBeta))
                throw new IllegalArgumentException("initial KL coefficient " + initBeta + " must be finite and >= 0");
            if (adaptive && !(target > 0 && horizon > 0))
                throw new IllegalArgumentException("adaptive KL needs a target KL > 0 and a horizon > 0, got " + target + " and " + horizon);
            if (!(approxKlLimit >= 0)) throw new IllegalArgumentException("approx-KL limit " + approxKlLimit + " must be >= 0 (0 = never)");
        }

        /** A fixed β, no early stop. */
        public static KlControl fixed(double beta) { return new KlControl(beta, false, Defaults.TARGET_KL, Defaults.KL_HORIZON, 0); }

        /** β adapted towards a per-sequence KL target over a horizon of rollouts, no early stop. */
        public static KlControl adaptive(double initBeta, double target, double horizon) {
            return new KlControl(initBeta, true, target, horizon, 0);
        }

        public KlControl withApproxKlLimit(double limit) { return new KlControl(initBeta, adaptive, target, horizon, limit); }
    }

    /**
     * When the run ends: at maxIterations, or once the mean score averaged over the last rewardWindow iterations
     * reaches rewardThreshold.
     *
     * @param maxIterations   step cap
     * @param rewardThreshold the moving-average score that ends the run (NaN = never)
     * @param rewardWindow    iterations in that moving average
     */
    public record Stopping(int maxIterations, double rewardThreshold, int rewardWindow, CollapseLimits limits) {
        public Stopping {
            if (maxIterations < 1) throw new IllegalArgumentException("iterations " + maxIterations + " must be >= 1");
            if (Double.isInfinite(rewardThreshold))
                throw new IllegalArgumentException("reward threshold " + rewardThreshold + " must be finite (or NaN for none)");
            if (rewardWindow < 1) throw new IllegalArgumentException("reward window " + rewardWindow + " must be >= 1");
            if (limits == null) limits = CollapseLimits.defaults();
        }

        /** With the default collapse limits. */
        public Stopping(int maxIterations, double rewardThreshold, int rewardWindow) {
            this(maxIterations, rewardThreshold, rewardWindow, CollapseLimits.defaults());
        }

        /** The same, stopping (as collapsed) once the mean KL per completion passes {@code maxKl} nats. */
        public Stopping withMaxKl(double maxKl) {
            return new Stopping(maxIterations, rewardThreshold, rewardWindow, limits.withMaxKl(maxKl));
        }
    }

    /**
     * @param every write a checkpoint every this many iterations (and at the end); 0 = only at the end
     * @param keep  newest checkpoints to keep
     */
    public record Checkpointing(int every, int keep) {
        public Checkpointing {
            if (every < 0) throw new IllegalArgumentException("checkpoint every " + every + " must be >= 0 (0 = only at the end)");
            if (keep < 1) throw new IllegalArgumentException("keep checkpoints " + keep + " must be >= 1");
        }
    }

    // ------------------------------------------------------------------------------------------------ copies

    public PpoConfig withSampling(Sampling s) { return new PpoConfig(s, optimisation, loss, advantage, kl, stopping, checkpointing, seed); }

    public PpoConfig withOptimisation(Optimisation o) { return new PpoConfig(sampling, o, loss, advantage, kl, stopping, checkpointing, seed); }

    public PpoConfig withLoss(Loss l) { return new PpoConfig(sampling, optimisation, l, advantage, kl, stopping, checkpointing, seed); }

    public PpoConfig withAdvantage(Advantage a) { return new PpoConfig(sampling, optimisation, loss, a, kl, stopping, checkpointing, seed); }

    public PpoConfig withKl(KlControl k) { return new PpoConfig(sampling, optimisation, loss, advantage, k, stopping, checkpointing, seed); }

    public PpoConfig withStopping(Stopping s) { return new PpoConfig(sampling, optimisation, loss, advantage, kl, s, checkpointing, seed); }

    public PpoConfig withCheckpointing(Checkpointing c) { return new PpoConfig(sampling, optimisation, loss, advantage, kl, stopping, c, seed); }

    public PpoConfig withSeed(long s) { return new PpoConfig(sampling, optimisation, loss, advantage, kl, stopping, checkpointing, s); }

    /** A copy with a different step cap (resuming a run for longer keeps everything else). */
    public PpoConfig withMaxIterations(int n) {
        return withStopping(new Stopping(n, stopping.rewardThreshold(), stopping.rewardWindow()));
    }

    public PpoConfig withLearningRate(double lr) { return withOptimisation(optimisation.withLearningRate(lr)); }

    public PpoConfig withTemperature(double t) { return withSampling(sampling.withTemperature(t)); }

    /** Every setting under a dotted name ("sampling.batchSize", …, "seed"), in declaration order: for config files and reports. */
    public Map<String, Object> settings() {
        return settingsOf(this);
    }

    /** Every component of a config record under a dotted name, nested records flattened (PPO's, GRPO's …). */
    public static Map<String, Object> settingsOf(Record config) {
        Map<String, Object> out = new LinkedHashMap<>();
        putSettings("", config, out);
        return out;
    }

    /** The components of {@code record} under {@code prefix}, nested records flattened ("stopping.limits.maxKl"). */
    private static void putSettings(String prefix, Record record, Map<String, Object> out) {
        for (RecordComponent c : record.getClass().getRecordComponents()) {
            Object value = valueOf(c, record);
            if (value instanceof Record r) putSettings(prefix + c.getName() + ".", r, out);
            else out.put(prefix + c.getName(), value);
        }
    }

    private static Object valueOf(RecordComponent c, Object record) {
        try {
            return c.getAccessor().invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Rollouts per minibatch. */
    public int minibatchSize() { return sampling.batchSize() / optimisation.minibatches(); }
}
