package rlhf4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import rlhf4j.rlhf.grpo.Baseline;
import rlhf4j.rlhf.grpo.GrpoConfig;
import rlhf4j.rlhf.grpo.GrpoConfig.Defaults;
import rlhf4j.rlhf.ppo.PpoConfig;
import rlhf4j.rlhf.stage.GrpoStage;

/**
 * The flags {@code grpo} and {@code rloo} share (those of {@code ppo} where they mean the same): each maps to one
 * field of {@link GrpoConfig}, and the command runs {@link GrpoStage}.
 */
abstract class CriticFreeCommand implements Callable<Integer> {
    @Mixin OnlineRunInputs run = new OnlineRunInputs();

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
    @Mixin OnlineRunControl control = new OnlineRunControl();
    @Mixin StageOptions stage = new StageOptions();

    /** The baseline this command trains with. */
    abstract Baseline baseline();

    /** Extra settings of the objective (GRPO's ε); the default keeps {@link Defaults#EPSILON}. */
    double epsilon() { return Defaults.EPSILON; }

    GrpoConfig config() {
        return new GrpoConfig(new GrpoConfig.Sampling(promptsPerIteration, groupSize, maxNewTokens, temperature),
                new PpoConfig.Optimisation(lr, weightDecay, maxGradNorm, epochs, minibatches),
                new GrpoConfig.Objective(baseline(), clipRange, beta, epsilon()),
                control.stopping(iterations), control.checkpointing(), control.seed);
    }

    @Override public Integer call() throws Exception {
        GrpoConfig cfg = config();                                         // checks the settings before anything loads
        var inputs = new GrpoStage.Inputs(run.policySource(), run.rewardSource(), run.promptTexts(), run.resume);
        return run.train(out -> new GrpoStage(cfg, stage.context()).run(inputs, out));
    }
}
