package rlhf4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import rlhf4j.rlhf.ppo.TrainingDivergedException;
import rlhf4j.rlhf.reward.RewardSource;
import rlhf4j.rlhf.stage.PolicySource;
import rlhf4j.rlhf.stage.PpoStage;

/**
 * PPO against a reward ({@link PpoStage}): writes metrics (JSONL + CSV), samples, checkpoints, the trained policy
 * ({@code policy/}), {@code summary.json} and {@code report.html} into the run directory. {@code --resume} continues
 * from the newest checkpoint bit for bit.
 */
@Command(name = "ppo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Fine-tune a policy with PPO against a reward model, classifier or oracle.")
public final class PpoCommand implements Callable<Integer> {
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
    @Option(names = "--value-model", description = "initialise a separate critic from this checkpoint's trunk (or a reward model directory's)")
    Path valueModel;

    @Option(names = "--iterations", defaultValue = "100", description = "step cap (default: ${DEFAULT-VALUE})") int iterations;
    @Option(names = "--batch-size", defaultValue = "16", description = "prompts per iteration (default: ${DEFAULT-VALUE})") int batchSize;
    @Option(names = "--minibatches", defaultValue = "4", description = "minibatches per epoch (default: ${DEFAULT-VALUE})") int minibatches;
    @Option(names = "--ppo-epochs", defaultValue = "4", description = "passes over each batch (default: ${DEFAULT-VALUE})") int ppoEpochs;
    @Option(names = "--max-new-tokens", defaultValue = "48", description = "(default: ${DEFAULT-VALUE})") int maxNewTokens;
    @Option(names = "--temperature", defaultValue = "1.0", description = "sampling temperature, also used for the learner's log-probs (default: ${DEFAULT-VALUE})") double temperature;
    @Option(names = "--lr", defaultValue = "1e-5", description = "(default: ${DEFAULT-VALUE})") double lr;
    @Option(names = "--weight-decay", defaultValue = "0", description = "(default: ${DEFAULT-VALUE})") double weightDecay;
    @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "(default: ${DEFAULT-VALUE})") double maxGradNorm;
    @Option(names = "--clip-range", defaultValue = "0.2", description = "ε of the clipped surrogate (default: ${DEFAULT-VALUE})") double clipRange;
    @Option(names = "--clip-range-value", defaultValue = "0.2", description = "(default: ${DEFAULT-VALUE})") double clipRangeValue;
    @Option(names = "--vf-coef", defaultValue = "0.1", description = "(default: ${DEFAULT-VALUE})") double vfCoef;
    @Option(names = "--entropy-coef", defaultValue = "0", description = "(default: ${DEFAULT-VALUE})") double entropyCoef;
    @Option(names = "--gamma", defaultValue = "1.0", description = "(default: ${DEFAULT-VALUE})") double gamma;
    @Option(names = "--lambda", defaultValue = "0.95", description = "(default: ${DEFAULT-VALUE})") double lambda;
    @Option(names = "--init-kl-coef", defaultValue = "0.05", description = "β at the start (default: ${DEFAULT-VALUE})") double initKl;
    @Option(names = "--kl-control", defaultValue = "adaptive", description = "fixed or adaptive (default: ${DEFAULT-VALUE})") String klControl;
    @Option(names = "--target-kl", defaultValue = "6", description = "per-sequence KL target of the adaptive controller (default: ${DEFAULT-VALUE})") double targetKl;
    @Option(names = "--kl-horizon", defaultValue = "10000", description = "(default: ${DEFAULT-VALUE})") double klHorizon;
    @Option(names = "--approx-kl-limit", defaultValue = "0", description = "end an epoch early past this approx-KL, 0 = never (default: ${DEFAULT-VALUE})") double approxKlLimit;
    @Option(names = "--missing-eos-penalty", defaultValue = "0", description = "(default: ${DEFAULT-VALUE})") double missingEosPenalty;
    @Option(names = "--reward-clip", defaultValue = "0", description = "0 = off (default: ${DEFAULT-VALUE})") double rewardClip;
    @Option(names = "--whiten-rewards", description = "whiten per-token rewards in each batch (default: off)") boolean whitenRewards;
    @Option(names = "--reward-threshold", description = "stop when the moving-average score reaches this (default: never)") Double rewardThreshold;
    @Option(names = "--reward-window", defaultValue = "5", description = "iterations in that moving average (default: ${DEFAULT-VALUE})") int rewardWindow;
    @Option(names = "--checkpoint-every", defaultValue = "10", description = "0 = only at the end (default: ${DEFAULT-VALUE})") int checkpointEvery;
    @Option(names = "--keep-checkpoints", defaultValue = "2", description = "(default: ${DEFAULT-VALUE})") int keepCheckpoints;
    @Option(names = "--seed", defaultValue = "1234", description = "(default: ${DEFAULT-VALUE})") long seed;
    @Mixin StageOptions stage = new StageOptions();

    PpoStage.Config config() {
        if (!klControl.equals("fixed") && !klControl.equals("adaptive"))
            throw new IllegalArgumentException("--kl-control " + klControl + ": expected fixed or adaptive");
        return new PpoStage.Config(new PpoStage.Rollouts(batchSize, maxNewTokens, temperature),
                new PpoStage.Optimizer(lr, weightDecay, maxGradNorm, minibatches, ppoEpochs),
                new PpoStage.Objective(clipRange, clipRangeValue, vfCoef, entropyCoef, gamma, lambda),
                new PpoStage.KlControl(initKl, klControl.equals("adaptive"), targetKl, klHorizon, approxKlLimit),
                new PpoStage.Rewards(missingEosPenalty, rewardClip, whitenRewards),
                new PpoStage.Schedule(iterations, rewardThreshold == null ? Double.NaN : rewardThreshold, rewardWindow, checkpointEvery,
                        keepCheckpoints), seed);
    }

    @Override public Integer call() throws Exception {
        PpoStage.Config cfg = config();
        cfg.toPpoConfig();                                                  // checks the settings before anything loads
        var inputs = new PpoStage.Inputs(new PolicySource(policy, tokenizer, !fullLength), RewardSource.parse(reward),
                prompts.texts(maxPrompts), valueModel, resume);
        try {
            new PpoStage(cfg, stage.context()).run(inputs, out);
        } catch (TrainingDivergedException e) {
            System.err.println();
            System.err.println("training stopped: " + e.getMessage());
            return 3;
        }
        return 0;
    }
}
