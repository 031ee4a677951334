package rlhf4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import rlhf4j.rlhf.grpo.Baseline;
import rlhf4j.rlhf.grpo.GrpoConfig;
import rlhf4j.rlhf.grpo.GrpoConfig.Defaults;
import rlhf4j.rlhf.ppo.CollapseLimits;
import rlhf4j.rlhf.ppo.PpoConfig;
import rlhf4j.rlhf.reward.RewardSource;
import rlhf4j.rlhf.stage.GrpoStage;
import rlhf4j.rlhf.stage.PolicySource;
import rlhf4j.transformer.train.TrainingDivergedException;

/**
 * The flags {@code grpo} and {@code rloo} share (those of {@code ppo} where they mean the same): each maps to one
 * field of {@link GrpoConfig}, and the command runs {@link GrpoStage}.
 */
abstract class CriticFreeCommand implements Callable<Integer> {
    @Option(names = "--policy", required = true, description = "starting checkpoint: llama2.c .bin, or a GPT-2 / Llama directory")
    Path policy;
    @Option(names = "--tokenizer", description = "its tokenizer (default: the one in the directory, or the lone tok*.bin beside a .bin)")
    Path tokenizer;
    @Option(names = "--full-length", description = "never stop at the end-of-text token: every completion has --max-new-tokens tokens")
    boolean fullLength;
    @Option(names = "--reward", required = true, description = RewardSource.USAGE)
    String reward;
    @Mixin PromptOptions prompts = new PromptOptions();
    @Option(names = "--max-prompts", defaultValue = "0", description = "use at most this many prompts, 0 = all (default: ${DEFAULT-VALUE})")
    int maxPrompts;
    @Option(names = "--out", required = true, description = "run directory")
    Path out;
    @Option(names = "--resume", description = "continue from the newest checkpoint in --out")
    boolean resume;

    @Option(names = "--iterations", defaultValue = "" + PpoConfig.Defaults.MAX_ITERATIONS, description = "step cap (default: ${DEFAULT-VALUE})") int iterations;
    @Option(names = "--prompts-per-iteration", defaultValue = "" + Defaults.PROMPTS, description = "distinct prompts per iteration (default: ${DEFAULT-VALUE})") int promptsPerIteration;
    @Option(names = "--group-size", defaultValue = "" + Defaults.GROUP_SIZE, description = "completions per prompt, G (K for RLOO), >= 2 (default: ${DEFAULT-VALUE})") int groupSize;
    @Option(names = "--minibatches", defaultValue = "" + Defaults.MINIBATCHES, description = "minibatches per epoch (default: ${DEFAULT-VALUE})") int minibatches;
    @Option(names = "--epochs", defaultValue = "" + Defaults.EPOCHS, description = "passes over each batch (default: ${DEFAULT-VALUE})") int epochs;
    @Option(names = "--max-new-tokens", defaultValue = "" + Defaults.MAX_NEW_TOKENS, description = "(default: ${DEFAULT-VALUE})") int maxNewTokens;
    @Option(names = "--temperature", defaultValue = "" + Defaults.TEMPERATURE, description = "sampling temperature, also used for the learner's log-probs (default: ${DEFAULT-VALUE})") double temperature;
    @Option(names = "--lr", defaultValue = "" + Defaults.LEARNING_RATE, description = "(default: ${DEFAULT-VALUE})") double lr;
    @Option(names = "--weight-decay", defaultValue = "0.0", description = "(default: ${DEFAULT-VALUE})") double weightDecay;
    @Option(names = "--max-grad-norm", defaultValue = "" + PpoConfig.Defaults.MAX_GRAD_NORM, description = "(default: ${DEFAULT-VALUE})") double maxGradNorm;
    @Option(names = "--clip-range", defaultValue = "" + Defaults.CLIP_RANGE, description = "ε of the clipped surrogate (default: ${DEFAULT-VALUE})") double clipRange;
    @Option(names = "--beta", defaultValue = "" + Defaults.BETA, description = "weight β of the k3 KL to the reference in the loss, 0 = none (default: ${DEFAULT-VALUE})") double beta;
    @Option(names = "--reward-threshold", description = "stop when the moving-average score reaches this (default: never)") Double rewardThreshold;
    @Option(names = "--reward-window", defaultValue = "" + PpoConfig.Defaults.REWARD_WINDOW, description = "iterations in that moving average (default: ${DEFAULT-VALUE})") int rewardWindow;
    @Option(names = "--max-kl", defaultValue = "" + CollapseLimits.MAX_KL, description = "stop as collapsed, saving nothing of that state, once the mean KL to the reference passes this many nats per completion (default: ${DEFAULT-VALUE})") double maxKl;
    @Option(names = "--checkpoint-every", defaultValue = "" + PpoConfig.Defaults.CHECKPOINT_EVERY, description = "0 = only at the end (default: ${DEFAULT-VALUE})") int checkpointEvery;
    @Option(names = "--keep-checkpoints", defaultValue = "" + PpoConfig.Defaults.KEEP_CHECKPOINTS, description = "(default: ${DEFAULT-VALUE})") int keepCheckpoints;
    @Option(names = "--seed", defaultValue = "" + PpoConfig.Defaults.SEED, description = "(default: ${DEFAULT-VALUE})") long seed;
    @Mixin StageOptions stage = new StageOptions();

    /** The baseline this command trains with. */
    abstract Baseline baseline();

    /** Extra settings of the objective (GRPO's ε); the default keeps {@link Defaults#EPSILON}. */
    double epsilon() { return Defaults.EPSILON; }

    GrpoConfig config() {
        return new GrpoConfig(new GrpoConfig.Sampling(promptsPerIteration, groupSize, maxNewTokens, temperature),
                new PpoConfig.Optimisation(lr, weightDecay, maxGradNorm, epochs, minibatches),
                new GrpoConfig.Objective(baseline(), clipRange, beta, epsilon()),
                new PpoConfig.Stopping(iterations, rewardThreshold == null ? Double.NaN : rewardThreshold, rewardWindow).withMaxKl(maxKl),
                new PpoConfig.Checkpointing(checkpointEvery, keepCheckpoints), seed);
    }

    @Override public Integer call() throws Exception {
        GrpoConfig cfg = config();                                         // checks the settings before anything loads
        var inputs = new GrpoStage.Inputs(new PolicySource(policy, tokenizer, !fullLength), RewardSource.parse(reward),
                prompts.texts(maxPrompts), resume);
        try (var lock = rlhf4j.transformer.run.RunLock.runDirectory(out)) {        // one run per --out
            new GrpoStage(cfg, stage.context()).run(inputs, out);
        } catch (TrainingDivergedException e) {
            System.err.println();
            System.err.println("training stopped: " + e.getMessage());
            return 3;
        }
        return 0;
    }
}
