package rlhf4j.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import rlhf4j.rlhf.consensus.PreferenceGroup;
import rlhf4j.rlhf.dpo.DpoConfig;
import rlhf4j.rlhf.stage.DpoStage;
import rlhf4j.rlhf.stage.PolicySource;
import rlhf4j.rlhf.stage.RewardModelStage;
import rlhf4j.transformer.train.TrainingDivergedException;

/**
 * DPO straight from preference groups ({@link DpoStage}): the same {@code --pairs} or {@code --dir} input as
 * {@code reward train}; writes metrics, checkpoints, {@code summary.json} and the trained policy ({@code policy/}) into
 * the run directory. {@code --resume} continues from the newest checkpoint bit for bit.
 */
@Command(name = "dpo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Fine-tune a policy with DPO (or IPO) directly on ranked completions: no reward model, no sampling.")
public final class DpoCommand implements Callable<Integer> {
    @Option(names = "--policy", required = true, description = "starting checkpoint (also the frozen reference): llama2.c .bin, or a GPT-2 / Llama directory")
    Path policy;
    @Option(names = "--tokenizer", description = "its tokenizer (default: the one in the directory, or the lone tok*.bin beside a .bin)")
    Path tokenizer;
    @ArgGroup(exclusive = true, multiplicity = "1") RewardCommand.Source source;
    @Option(names = "--consensus", defaultValue = "none",
            description = "--dir: none (one group per judgement), borda or copeland (default: ${DEFAULT-VALUE})")
    String consensus;
    @Option(names = "--out", required = true, description = "run directory")
    Path out;
    @Option(names = "--resume", description = "continue from the newest checkpoint in --out")
    boolean resume;

    @Option(names = "--beta", defaultValue = "0.1", description = "β: the KL budget, smaller lets the policy move further (default: ${DEFAULT-VALUE})") double beta;
    @Option(names = "--loss", defaultValue = "sigmoid", description = "sigmoid (DPO) or ipo (default: ${DEFAULT-VALUE})") String loss;
    @Option(names = "--label-smoothing", defaultValue = "0.0", description = "ε of cDPO, the share of labels assumed flipped, sigmoid only (default: ${DEFAULT-VALUE})") double labelSmoothing;
    @Option(names = "--epochs", defaultValue = "1", description = "(default: ${DEFAULT-VALUE})") int epochs;
    @Option(names = "--groups-per-batch", defaultValue = "8", description = "preference groups per step (default: ${DEFAULT-VALUE})") int groupsPerBatch;
    @Option(names = "--lr", defaultValue = "1e-5", description = "AdamW learning rate (default: ${DEFAULT-VALUE})") double lr;
    @Option(names = "--weight-decay", defaultValue = "0.0", description = "(default: ${DEFAULT-VALUE})") double weightDecay;
    @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "0 = no clipping (default: ${DEFAULT-VALUE})") double maxGradNorm;
    @Option(names = "--held-out", defaultValue = "0", description = "percent of prompts held out and measured after each epoch, by id hash (default: ${DEFAULT-VALUE})") int heldOut;
    @Option(names = "--max-groups", defaultValue = "0", description = "use at most this many training groups, 0 = all (default: ${DEFAULT-VALUE})") int maxGroups;
    @Option(names = "--max-completion-tokens", defaultValue = "64", description = "completion tokens kept, the first (default: ${DEFAULT-VALUE})") int maxCompletionTokens;
    @Option(names = "--checkpoint-every", defaultValue = "50", description = "steps; 0 = only at the end (default: ${DEFAULT-VALUE})") int checkpointEvery;
    @Option(names = "--keep-checkpoints", defaultValue = "2", description = "(default: ${DEFAULT-VALUE})") int keepCheckpoints;
    @Option(names = "--seed", defaultValue = "1", description = "(default: ${DEFAULT-VALUE})") long seed;
    @Mixin StageOptions stage = new StageOptions();

    DpoStage.Config config() {
        DpoConfig training = new DpoConfig(new DpoConfig.Loss(DpoConfig.LossType.parse(loss), beta, labelSmoothing),
                new DpoConfig.Optimisation(epochs, groupsPerBatch, lr, weightDecay, maxGradNorm),
                new DpoConfig.Checkpointing(checkpointEvery, keepCheckpoints), seed);
        return new DpoStage.Config(training, new DpoStage.Data(heldOut, maxGroups, maxCompletionTokens));
    }

    @Override public Integer call() throws Exception {
        DpoStage.Config cfg = config();                                    // checks the settings before anything loads
        CliOutputs.requireDirectory(out, "--out");
        List<PreferenceGroup> groups = source.pairs != null ? RewardModelStage.readGroups(source.pairs)
                : RewardModelStage.feedbackGroups(source.dir, consensus);
        try (var lock = rlhf4j.transformer.run.RunLock.runDirectory(out)) {         // one run per --out
            new DpoStage(cfg, stage.context()).run(new DpoStage.Inputs(new PolicySource(policy, tokenizer, true), groups, resume), out);
        } catch (TrainingDivergedException e) {
            System.err.println();
            System.err.println("training stopped: " + e.getMessage());
            return 3;
        }
        return 0;
    }
}
