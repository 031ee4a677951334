package rlhf4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import rlhf4j.rlhf.ppo.PpoConfig;
import rlhf4j.rlhf.ppo.PpoConfig.Defaults;
import rlhf4j.rlhf.stage.PpoStage;

/**
 * PPO against a reward ({@link PpoStage}): writes metrics (JSONL + CSV), samples, checkpoints, the trained policy
 * ({@code policy/}), {@code summary.json} and {@code report.html} into the run directory. {@code --resume} continues
 * from the newest checkpoint bit for bit.
 */
@Command(name = "ppo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Fine-tune a policy with PPO against a reward model, classifier or oracle.")
public final class PpoCommand implements Callable<Integer> {
    @Mixin OnlineRunInputs run = new OnlineRunInputs();
    @Option(names = "--value-model", description = "initialise a separate critic from this checkpoint's trunk (or a reward model directory's)")
    Path valueModel;

    // defaults: PpoConfig.defaults(), through its constants
    @Option(names = "--iterations", defaultValue = "" + Defaults.MAX_ITERATIONS, description = "step cap (default: ${DEFAULT-VALUE})") int iterations;
    @Option(names = "--batch-size", defaultValue = "" + Defaults.BATCH_SIZE, description = "prompts per iteration (default: ${DEFAULT-VALUE})") int batchSize;
    @Option(names = "--minibatches", defaultValue = "" + Defaults.MINIBATCHES, description = "minibatches per epoch (default: ${DEFAULT-VALUE})") int minibatches;
    @Option(names = "--ppo-epochs", defaultValue = "" + Defaults.PPO_EPOCHS, description = "passes over each batch (default: ${DEFAULT-VALUE})") int ppoEpochs;
    @Option(names = "--max-new-tokens", defaultValue = "" + Defaults.MAX_NEW_TOKENS, description = "(default: ${DEFAULT-VALUE})") int maxNewTokens;
    @Option(names = "--temperature", defaultValue = "" + Defaults.TEMPERATURE, description = "sampling temperature, also used for the learner's log-probs (default: ${DEFAULT-VALUE})") double temperature;
    @Option(names = "--lr", defaultValue = "" + Defaults.LEARNING_RATE, description = "(default: ${DEFAULT-VALUE})") double lr;
    @Option(names = "--weight-decay", defaultValue = "" + Defaults.WEIGHT_DECAY, description = "(default: ${DEFAULT-VALUE})") double weightDecay;
    @Option(names = "--max-grad-norm", defaultValue = "" + Defaults.MAX_GRAD_NORM, description = "(default: ${DEFAULT-VALUE})") double maxGradNorm;
    @Option(names = "--clip-range", defaultValue = "" + Defaults.CLIP_RANGE, description = "ε of the clipped surrogate (default: ${DEFAULT-VALUE})") double clipRange;
    @Option(names = "--clip-range-value", defaultValue = "" + Defaults.VALUE_CLIP_RANGE, description = "(default: ${DEFAULT-VALUE})") double clipRangeValue;
    @Option(names = "--vf-coef", defaultValue = "" + Defaults.VF_COEF, description = "(default: ${DEFAULT-VALUE})") double vfCoef;
    @Option(names = "--entropy-coef", defaultValue = "" + Defaults.ENTROPY_COEF, description = "(default: ${DEFAULT-VALUE})") double entropyCoef;
    @Option(names = "--gamma", defaultValue = "" + Defaults.GAMMA, description = "(default: ${DEFAULT-VALUE})") double gamma;
    @Option(names = "--lambda", defaultValue = "" + Defaults.LAMBDA, description = "(default: ${DEFAULT-VALUE})") double lambda;
    @Option(names = "--init-kl-coef", defaultValue = "" + Defaults.INIT_KL_COEF, description = "β at the start (default: ${DEFAULT-VALUE})") double initKl;
    @Option(names = "--kl-control", defaultValue = Defaults.ADAPTIVE_KL ? "adaptive" : "fixed", description = "fixed or adaptive (default: ${DEFAULT-VALUE})") String klControl;
    @Option(names = "--target-kl", defaultValue = "" + Defaults.TARGET_KL, description = "per-sequence KL target of the adaptive controller (default: ${DEFAULT-VALUE})") double targetKl;
    @Option(names = "--kl-horizon", defaultValue = "" + Defaults.KL_HORIZON, description = "(default: ${DEFAULT-VALUE})") double klHorizon;
    @Option(names = "--approx-kl-limit", defaultValue = "" + Defaults.APPROX_KL_LIMIT, description = "end an epoch early past this approx-KL, 0 = never (default: ${DEFAULT-VALUE})") double approxKlLimit;
    @Option(names = "--missing-eos-penalty", defaultValue = "" + Defaults.MISSING_EOS_PENALTY, description = "(default: ${DEFAULT-VALUE})") double missingEosPenalty;
    @Option(names = "--reward-clip", defaultValue = "" + Defaults.REWARD_CLIP, description = "0 = off (default: ${DEFAULT-VALUE})") double rewardClip;
    @Option(names = "--whiten-rewards", defaultValue = "" + Defaults.WHITEN_REWARDS, description = "whiten per-token rewards in each batch (default: ${DEFAULT-VALUE})") boolean whitenRewards;
    @Mixin OnlineRunControl control = new OnlineRunControl();
    @Mixin StageOptions stage = new StageOptions();

    PpoConfig config() {
        if (!klControl.equals("fixed") && !klControl.equals("adaptive"))
            throw new IllegalArgumentException("--kl-control " + klControl + ": expected fixed or adaptive");
        return new PpoConfig(new PpoConfig.Sampling(batchSize, maxNewTokens, temperature),
                new PpoConfig.Optimisation(lr, weightDecay, maxGradNorm, ppoEpochs, minibatches),
                new PpoConfig.Loss(clipRange, clipRangeValue, vfCoef, entropyCoef),
                new PpoConfig.Advantage(gamma, lambda, whitenRewards, rewardClip, missingEosPenalty),
                new PpoConfig.KlControl(initKl, klControl.equals("adaptive"), targetKl, klHorizon, approxKlLimit),
                control.stopping(iterations), control.checkpointing(), control.seed);
    }

    @Override public Integer call() throws Exception {
        PpoConfig cfg = config();                                          // checks the settings before anything loads
        var inputs = new PpoStage.Inputs(run.policySource(), run.rewardSource(), run.promptTexts(), valueModel, run.resume);
        return run.train(out -> new PpoStage(cfg, stage.context()).run(inputs, out));
    }
}
