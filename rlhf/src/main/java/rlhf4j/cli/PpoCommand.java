package rlhf4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import rlhf4j.rlhf.ppo.CollapseLimits;
import rlhf4j.rlhf.ppo.PpoConfig;
import rlhf4j.rlhf.ppo.PpoConfig.Defaults;
import rlhf4j.transformer.train.TrainingDivergedException;
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
    @Option(names = "--reward-threshold", description = "stop when the moving-average score reaches this (default: never)") Double rewardThreshold;
    @Option(names = "--reward-window", defaultValue = "" + Defaults.REWARD_WINDOW, description = "iterations in that moving average (default: ${DEFAULT-VALUE})") int rewardWindow;
    @Option(names = "--max-kl", defaultValue = "" + CollapseLimits.MAX_KL, description = "stop as collapsed, saving nothing of that state, once the mean KL to the reference passes this many nats per completion (default: ${DEFAULT-VALUE})") double maxKl;
    @Option(names = "--checkpoint-every", defaultValue = "" + Defaults.CHECKPOINT_EVERY, description = "0 = only at the end (default: ${DEFAULT-VALUE})") int checkpointEvery;
    @Option(names = "--keep-checkpoints", defaultValue = "" + Defaults.KEEP_CHECKPOINTS, description = "(default: ${DEFAULT-VALUE})") int keepCheckpoints;
    @Option(names = "--seed", defaultValue = "" + Defaults.SEED, description = "(default: ${DEFAULT-VALUE})") long seed;
    @Mixin StageOptions stage = new StageOptions();

    PpoConfig config() {
        if (!klControl.equals("fixed") && !klControl.equals("adaptive"))
            throw new IllegalArgumentException("--kl-control " + klControl + ": expected fixed or adaptive");
        return new PpoConfig(new PpoConfig.Sampling(batchSize, maxNewTokens, temperature),
                new PpoConfig.Optimisation(lr, weightDecay, maxGradNorm, ppoEpochs, minibatches),
                new PpoConfig.Loss(clipRange, clipRangeValue, vfCoef, entropyCoef),
                new PpoConfig.Advantage(gamma, lambda, whitenRewards, rewardClip, missingEosPenalty),
                new PpoConfig.KlControl(initKl, klControl.equals("adaptive"), targetKl, klHorizon, approxKlLimit),
                new PpoConfig.Stopping(iterations, rewardThreshold == null ? Double.NaN : rewardThreshold, rewardWindow).withMaxKl(maxKl),
                new PpoConfig.Checkpointing(checkpointEvery, keepCheckpoints), seed);
    }

    @Override public Integer call() throws Exception {
        PpoConfig cfg = config();                                          // checks the settings before anything loads
        var inputs = new PpoStage.Inputs(new PolicySource(policy, tokenizer, !fullLength), RewardSource.parse(reward),
                prompts.texts(maxPrompts), valueModel, resume);
        try (var lock = rlhf4j.transformer.run.RunLock.runDirectory(out)) {        // one run per --out
            new PpoStage(cfg, stage.context()).run(inputs, out);
        } catch (TrainingDivergedException e) {
            System.err.println();
            System.err.println("training stopped: " + e.getMessage());
            return 3;
        }
        return 0;
    }
}
