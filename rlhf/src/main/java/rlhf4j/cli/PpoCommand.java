package rlhf4j.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import rlhf4j.rlhf.eval.Evaluation;
import rlhf4j.rlhf.ppo.IterationStats;
import rlhf4j.rlhf.ppo.PpoConfig;
import rlhf4j.rlhf.ppo.PpoConfig.Defaults;
import rlhf4j.rlhf.ppo.PpoModels;
import rlhf4j.rlhf.ppo.PpoTrainer;
import rlhf4j.transformer.train.TrainingDivergedException;
import rlhf4j.rlhf.report.Reports;
import rlhf4j.rlhf.report.Summary;
import rlhf4j.rlhf.reward.RewardFunction;
import rlhf4j.tensor.Backends;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.Models;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.heads.HeadedModel;
import rlhf4j.transformer.llama.Llama;

/**
 * PPO against a reward: writes metrics (JSONL + CSV), samples, checkpoints, {@code summary.json} and
 * {@code report.html} into the run directory. {@code --resume} continues from the newest checkpoint bit for bit.
 */
@Command(name = "ppo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Fine-tune a policy with PPO against a reward model, classifier or oracle.")
public final class PpoCommand implements Callable<Integer> {
    @Option(names = "--policy", required = true, description = "starting checkpoint: llama2.c .bin, or a GPT-2 / Llama directory")
    Path policy;
    @Option(names = "--tokenizer", description = "llama2.c tokenizer .bin (Llama) or vocab.json / its directory (GPT-2)")
    Path tokenizer;
    @Option(names = "--reward", required = true, description = "rm:DIR | classifier:DIR:CLASS | oracle:vader|afinn")
    String reward;
    @Option(names = "--prompts", required = true, description = "text file (one prompt a line), .jsonl with \"prompt\", or 'tinystories'")
    String prompts;
    @Option(names = "--prompt-words", defaultValue = "8", description = "words of each story for --prompts tinystories (default: ${DEFAULT-VALUE})")
    int promptWords;
    @Option(names = "--skip-prompts", defaultValue = "0", description = "drop this many prompts first (default: ${DEFAULT-VALUE})")
    int skipPrompts;
    @Option(names = "--max-prompts", defaultValue = "0", description = "use at most this many prompts, 0 = all (default: ${DEFAULT-VALUE})")
    int maxPrompts;
    @Option(names = "--out", required = true, description = "run directory")
    Path out;
    @Option(names = "--resume", description = "continue from the newest checkpoint in --out")
    boolean resume;
    @Option(names = "--value-model", description = "initialise a separate critic from this checkpoint's trunk (e.g. the reward model's)")
    Path valueModel;
    @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda (default: ${DEFAULT-VALUE})")
    String device;

    // defaults: PpoConfig.defaults(), through its constants
    @Option(names = "--iterations", defaultValue = "" + Defaults.MAX_ITERATIONS, description = "step cap (default: ${DEFAULT-VALUE})") int iterations;
    @Option(names = "--batch-size", defaultValue = "" + Defaults.BATCH_SIZE, description = "prompts per iteration (default: ${DEFAULT-VALUE})") int batchSize;
    @Option(names = "--minibatches", defaultValue = "" + Defaults.MINIBATCHES, description = "minibatches per epoch (default: ${DEFAULT-VALUE})") int minibatches;
    @Option(names = "--ppo-epochs", defaultValue = "" + Defaults.PPO_EPOCHS, description = "(default: ${DEFAULT-VALUE})") int ppoEpochs;
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
    @Option(names = "--reward-threshold", description = "stop when the moving-average score reaches this") Double rewardThreshold;
    @Option(names = "--reward-window", defaultValue = "" + Defaults.REWARD_WINDOW, description = "iterations in that moving average (default: ${DEFAULT-VALUE})") int rewardWindow;
    @Option(names = "--checkpoint-every", defaultValue = "" + Defaults.CHECKPOINT_EVERY, description = "(default: ${DEFAULT-VALUE})") int checkpointEvery;
    @Option(names = "--max-kl", defaultValue = "100", description = "stop when the KL to the reference passes this many nats per completion (default: ${DEFAULT-VALUE})") double maxKl;
    @Option(names = "--keep-checkpoints", defaultValue = "" + Defaults.KEEP_CHECKPOINTS, description = "(default: ${DEFAULT-VALUE})") int keepCheckpoints;
    @Option(names = "--seed", defaultValue = "" + Defaults.SEED, description = "(default: ${DEFAULT-VALUE})") long seed;
    @Option(names = "--report-prompts", defaultValue = "16", description = "prompts for the closing reference-vs-trained comparison, 0 = none (default: ${DEFAULT-VALUE})") int reportPrompts;
    @Option(names = "--quiet", description = "no progress bar") boolean quiet;

    private final PrintStream err;

    public PpoCommand() { this(System.err); }

    PpoCommand(PrintStream err) { this.err = err; }

    PpoConfig config() {
        if (!klControl.equals("fixed") && !klControl.equals("adaptive"))
            throw new IllegalArgumentException("--kl-control " + klControl + ": expected fixed or adaptive");
        return new PpoConfig(new PpoConfig.Sampling(batchSize, maxNewTokens, temperature),
                new PpoConfig.Optimisation(lr, weightDecay, maxGradNorm, ppoEpochs, minibatches),
                new PpoConfig.Loss(clipRange, clipRangeValue, vfCoef, entropyCoef),
                new PpoConfig.Advantage(gamma, lambda, whitenRewards, rewardClip, missingEosPenalty),
                new PpoConfig.KlControl(initKl, klControl.equals("adaptive"), targetKl, klHorizon, approxKlLimit),
                new PpoConfig.Stopping(iterations, rewardThreshold == null ? Double.NaN : rewardThreshold, rewardWindow),
                new PpoConfig.Checkpointing(checkpointEvery, keepCheckpoints), seed);
    }

    @Override public Integer call() throws Exception {
        try (rlhf4j.transformer.run.RunLock lock = rlhf4j.transformer.run.RunLock.runDirectory(out)) {   // one run per --out
            return train();
        }
    }

    private Integer train() throws Exception {
        Device dev = Device.parse(device);
        Backends.forDevice(dev);
        PpoConfig cfg = config();
        TransformerModel trunk = Models.load(policy, dev), reference = Models.load(policy, dev);
        PolicySetup.Codec codec = PolicySetup.codec(policy, tokenizer, trunk);
        List<String> texts = PolicySetup.prompts(prompts, promptWords, skipPrompts, maxPrompts);
        RewardFunction rf = PolicySetup.reward(reward);
        PpoModels models;
        if (valueModel == null) models = PpoModels.withValueHead(trunk, reference);
        else {
            TransformerModel critic = Models.load(valueModel, dev);
            models = new PpoModels(new HeadedModel(trunk, true, null, null),
                    new HeadedModel(critic, false, PpoModels.zeroValueHead(critic.width(), dev), null), reference);
        }
        Files.createDirectories(out);
        Map<String, Object> shown = describe(cfg, texts.size());
        Gson gson = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();
        if (!resume) Files.writeString(out.resolve("config.json"), gson.toJson(shown) + "\n", StandardCharsets.UTF_8);

        PpoTrainer trainer = new PpoTrainer(cfg, models, rf, codec.tokenizer(), codec.stopToken(), codec.encodeAll(texts), out)
                .progress(quiet ? null : err).limits(rlhf4j.rlhf.ppo.CollapseLimits.defaults().withMaxKl(maxKl));
        if (resume) {
            Path from = trainer.resume();
            err.println(from == null ? "no checkpoint in " + out + "; starting afresh" : "resumed from " + from + " after "
                    + trainer.iterations() + " iterations");
        } else if (trainer.checkpoints().latest() != null) {
            throw new IllegalArgumentException(out + " already holds checkpoints; pass --resume to continue it or choose another --out");
        }
        try {
            trainer.train();
        } catch (TrainingDivergedException e) {
            err.println();
            err.println("training stopped: " + e.getMessage());
            return 3;
        }
        if (trainer.models().policy().trunk instanceof Llama llama) llama.save(out.resolve("policy"));   // loadable by Models.load

        Evaluation.Result eval = null;
        if (reportPrompts > 0) {
            List<int[]> ids = codec.encodeAll(texts.subList(0, Math.min(reportPrompts, texts.size())));
            eval = Evaluation.run(reference, trunk, codec.tokenizer(), codec.stopToken(), ids, rf, null, null,
                    new Evaluation.Settings(maxNewTokens, temperature, seed + 1, batchSize));
        }
        Summary s = Reports.write(out, "PPO run " + out.getFileName(), shown, eval, null);
        List<IterationStats> h = trainer.history();
        IterationStats last = h.getLast();
        err.printf(Locale.ROOT, "%d iterations; last batch: score %.4f ± %.4f, KL %.3f, β %.4f; report: %s%n", h.size(),
                last.score().mean(), last.score().std(), last.kl().sequence(), last.kl().beta(), out.resolve("report.html"));
        err.println(s.toJson());
        return 0;
    }

    private Map<String, Object> describe(PpoConfig cfg, int promptCount) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("policy", policy.toString());
        m.put("tokenizer", String.valueOf(tokenizer));
        m.put("reward", reward);
        m.put("prompts", prompts + " (" + promptCount + " used)");
        m.put("value_model", valueModel == null ? "value head on the policy" : valueModel.toString());
        m.put("device", device);
        m.putAll(cfg.settings());
        return m;
    }
}
