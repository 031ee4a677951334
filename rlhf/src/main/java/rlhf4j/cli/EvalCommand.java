package rlhf4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import rlhf4j.rlhf.oracle.Oracles;
import rlhf4j.rlhf.reward.RewardSource;
import rlhf4j.rlhf.stage.EvalStage;
import rlhf4j.rlhf.stage.PolicySource;

/**
 * Reference vs trained policy on held-out prompts ({@link EvalStage}): reward, gold score, toxicity (a classifier's
 * probability of a class), KL to the reference, win rate, samples side by side, written to {@code OUT/result.json}.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Compare a trained policy with its reference on held-out prompts.")
public final class EvalCommand implements Callable<Integer> {
    @Option(names = "--policy", required = true, description = "the reference (starting) checkpoint")
    Path policy;
    @Option(names = "--tokenizer", description = "its tokenizer (default: the one in the directory, or the lone tok*.bin beside a .bin)")
    Path tokenizer;
    @Option(names = "--full-length", description = "never stop at the end-of-text token (as ppo --full-length)")
    boolean fullLength;
    @Option(names = "--trained", required = true, description = "a PPO run directory, one of its checkpoints, or any checkpoint")
    Path trained;
    @Option(names = "--reward", required = true, description = RewardSource.USAGE)
    String reward;
    @Option(names = "--gold", description = "gold scorer, one of " + Oracles.CHOICES + " (default: none)")
    String gold;
    @Option(names = "--toxicity", description = "toxicity: the probability of CLASS under a classifier, classifier:DIR:CLASS (default: none)")
    String toxicity;
    @Option(names = "--judge", paramLabel = "SOURCE",
            description = "a held-out judge the policy never trained against, repeatable: classifier:DIR:CLASS scores P(CLASS), "
                    + "e.g. a Davidson classifier's hate; any other reward source its reward (default: none)")
    List<String> judges = new ArrayList<>();
    @Mixin PromptOptions prompts = new PromptOptions();
    @Option(names = "--max-prompts", defaultValue = "64", description = "use at most this many prompts, 0 = all (default: ${DEFAULT-VALUE})") int maxPrompts;
    @Option(names = "--max-new-tokens", defaultValue = "48", description = "(default: ${DEFAULT-VALUE})") int maxNewTokens;
    @Option(names = "--temperature", defaultValue = "1.0", description = "(default: ${DEFAULT-VALUE})") double temperature;
    @Option(names = "--seed", defaultValue = "4321", description = "(default: ${DEFAULT-VALUE})") long seed;
    @Option(names = "--batch-size", defaultValue = "16", description = "prompts completed at a time (default: ${DEFAULT-VALUE})") int chunk;
    @Option(names = "--out", required = true, description = "directory for result.json")
    Path out;
    @Mixin StageOptions stage = new StageOptions();

    EvalStage.Config config() {
        RewardSource.ClassifierClass tox = null;
        if (toxicity != null) {
            if (!(RewardSource.parse(toxicity) instanceof RewardSource.ClassifierClass c) || c.rewardClass() == null)
                throw new IllegalArgumentException("--toxicity " + toxicity + ": expected classifier:DIR:CLASS");
            tox = c;
        }
        List<RewardSource> judged = new ArrayList<>();
        for (String j : judges) judged.add(RewardSource.parse(j));
        return new EvalStage.Config(new EvalStage.Sampling(maxNewTokens, temperature, seed, chunk), gold, tox, judged);
    }

    @Override public Integer call() throws Exception {
        EvalStage.Config cfg = config();
        var inputs = new EvalStage.Inputs(new PolicySource(policy, tokenizer, !fullLength), trained, RewardSource.parse(reward),
                prompts.texts(maxPrompts));
        new EvalStage(cfg, stage.context()).run(inputs, out);
        return 0;
    }
}
