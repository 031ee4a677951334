package rlhf4j.rlhf.grpo;

import java.util.Map;
import rlhf4j.rlhf.ppo.PpoConfig;

/**
 * Every setting of a GRPO or RLOO run. The optimisation, stopping and checkpointing groups are PPO's
 * ({@link PpoConfig}); what differs is how rollouts are drawn (groups of completions per prompt) and the objective.
 * Start from {@link #defaults()} or {@link #rlooDefaults()} and change what differs.
 *
 * @param sampling      groups of completions per iteration
 * @param optimisation  passes (epochs) over each batch in minibatches, AdamW, gradient clip (as PPO's)
 * @param objective     the baseline, the clip range and the KL coefficient β
 * @param stopping      when the run ends (as PPO's)
 * @param checkpointing when checkpoints are written and how many are kept (as PPO's)
 * @param seed          the run's random seed (prompt order, sampling, minibatch order)
 */
public record GrpoConfig(Sampling sampling, PpoConfig.Optimisation optimisation, Objective objective, PpoConfig.Stopping stopping,
                         PpoConfig.Checkpointing checkpointing, long seed) {

    public GrpoConfig {
        if (sampling == null || optimisation == null || objective == null || stopping == null || checkpointing == null)
            throw new IllegalArgumentException("every group of the GRPO config must be given");
        if (sampling.batchSize() % optimisation.minibatches() != 0)
            throw new IllegalArgumentException("batch size " + sampling.batchSize() + " (prompts × group size) must be a multiple of minibatches "
                    + optimisation.minibatches());
    }

    /** Default values, as constants so that command-line options show and use the very same ones. */
    public static final class Defaults {
        private Defaults() {}

        /** 8 prompts × 4 completions: PPO's 32 rollouts per iteration. */
        public static final int PROMPTS = 8, GROUP_SIZE = 4, MAX_NEW_TOKENS = PpoConfig.Defaults.MAX_NEW_TOKENS;
        public static final double TEMPERATURE = 1.0, LEARNING_RATE = PpoConfig.Defaults.LEARNING_RATE;
        public static final int EPOCHS = 2, MINIBATCHES = 2;
        /** β 0.04 and ε 1e−4 as in the GRPO paper and TRL. */
        public static final double CLIP_RANGE = 0.2, BETA = 0.04, EPSILON = 1e-4;
    }

    /** GRPO with the defaults above; PPO's stopping and checkpointing defaults. */
    public static GrpoConfig defaults() {
        return new GrpoConfig(new Sampling(Defaults.PROMPTS, Defaults.GROUP_SIZE, Defaults.MAX_NEW_TOKENS, Defaults.TEMPERATURE),
                new PpoConfig.Optimisation(Defaults.LEARNING_RATE, 0.0, PpoConfig.Defaults.MAX_GRAD_NORM, Defaults.EPOCHS, Defaults.MINIBATCHES),
                new Objective(Baseline.GRPO, Defaults.CLIP_RANGE, Defaults.BETA, Defaults.EPSILON),
                new PpoConfig.Stopping(PpoConfig.Defaults.MAX_ITERATIONS, Double.NaN, PpoConfig.Defaults.REWARD_WINDOW),
                new PpoConfig.Checkpointing(PpoConfig.Defaults.CHECKPOINT_EVERY, PpoConfig.Defaults.KEEP_CHECKPOINTS), PpoConfig.Defaults.SEED);
    }

    /** {@link #defaults()} with the leave-one-out baseline. */
    public static GrpoConfig rlooDefaults() { return defaults().withObjective(defaults().objective().withBaseline(Baseline.RLOO)); }

    /**
     * @param prompts      distinct prompts per iteration
     * @param groupSize    completions sampled per prompt (G, or K for RLOO), ≥ 2
     * @param maxNewTokens tokens per completion at most (N_max, also Dr. GRPO's constant normaliser)
     * @param temperature  sampling temperature τ; the learner's log-probs use the same one
     */
    public record Sampling(int prompts, int groupSize, int maxNewTokens, double temperature) {
        public Sampling {
            if (prompts < 1) throw new IllegalArgumentException("prompts per iteration " + prompts + " must be >= 1");
            if (groupSize < 2) throw new IllegalArgumentException("group size " + groupSize + " must be >= 2 (the baseline is the rest of the group)");
            if (maxNewTokens < 1) throw new IllegalArgumentException("max new tokens " + maxNewTokens + " must be >= 1");
            if (!(temperature > 0) || Double.isInfinite(temperature))
                throw new IllegalArgumentException("temperature " + temperature + " must be finite and > 0");
        }

        /** Rollouts per iteration: prompts × group size. */
        public int batchSize() { return prompts * groupSize; }
    }

    /**
     * @param baseline  how scores become advantages ({@link GroupAdvantages}) and how tokens are averaged
     * @param clipRange ε of the clipped surrogate
     * @param beta      β, the weight of the k3 KL estimate to the reference in the loss; 0 = no KL term
     * @param epsilon   ε of GRPO's std denominator
     */
    public record Objective(Baseline baseline, double clipRange, double beta, double epsilon) {
        public Objective {
            if (baseline == null) throw new IllegalArgumentException("a baseline must be given");
            if (!(clipRange > 0)) throw new IllegalArgumentException("clip range " + clipRange + " must be > 0");
            if (!(beta >= 0) || Double.isInfinite(beta)) throw new IllegalArgumentException("KL coefficient β " + beta + " must be finite and >= 0");
            if (!(epsilon > 0)) throw new IllegalArgumentException("std epsilon " + epsilon + " must be > 0");
        }

        public Objective withBaseline(Baseline b) { return new Objective(b, clipRange, beta, epsilon); }

        public Objective withBeta(double b) { return new Objective(baseline, clipRange, b, epsilon); }
    }

    public GrpoConfig withSampling(Sampling s) { return new GrpoConfig(s, optimisation, objective, stopping, checkpointing, seed); }

    public GrpoConfig withOptimisation(PpoConfig.Optimisation o) { return new GrpoConfig(sampling, o, objective, stopping, checkpointing, seed); }

    public GrpoConfig withObjective(Objective o) { return new GrpoConfig(sampling, optimisation, o, stopping, checkpointing, seed); }

    public GrpoConfig withStopping(PpoConfig.Stopping s) { return new GrpoConfig(sampling, optimisation, objective, s, checkpointing, seed); }

    public GrpoConfig withCheckpointing(PpoConfig.Checkpointing c) { return new GrpoConfig(sampling, optimisation, objective, stopping, c, seed); }

    public GrpoConfig withSeed(long s) { return new GrpoConfig(sampling, optimisation, objective, stopping, checkpointing, s); }

    public GrpoConfig withMaxIterations(int n) { return withStopping(new PpoConfig.Stopping(n, stopping.rewardThreshold(), stopping.rewardWindow())); }

    public GrpoConfig withBeta(double beta) { return withObjective(objective.withBeta(beta)); }

    public GrpoConfig withBaseline(Baseline b) { return withObjective(objective.withBaseline(b)); }

    /** Rollouts per minibatch. */
    public int minibatchSize() { return sampling.batchSize() / optimisation.minibatches(); }

    /** Every setting under a dotted name ("sampling.prompts", …, "seed"), in declaration order: for config files and reports. */
    public Map<String, Object> settings() { return PpoConfig.settingsOf(this); }
}
