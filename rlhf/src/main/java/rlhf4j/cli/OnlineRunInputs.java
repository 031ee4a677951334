package rlhf4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import rlhf4j.rlhf.reward.RewardSource;
import rlhf4j.rlhf.stage.PolicySource;
import rlhf4j.transformer.run.RunLock;
import rlhf4j.transformer.train.TrainingDivergedException;

/** What {@code ppo}, {@code grpo} and {@code rloo} train: the policy, the reward, the prompts and the run directory. */
final class OnlineRunInputs {
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

    PolicySource policySource() { return new PolicySource(policy, tokenizer, !fullLength); }

    RewardSource rewardSource() { return RewardSource.parse(reward); }

    List<String> promptTexts() throws IOException { return prompts.texts(maxPrompts); }

    /** A training run into {@code --out}. */
    interface Training {
        void run(Path out) throws Exception;
    }

    /** Runs {@code training} holding {@code --out}'s lock (one run per directory); a diverged or collapsed run is exit status 3. */
    int train(Training training) throws Exception {
        try (var lock = RunLock.runDirectory(out)) {
            training.run(out);
        } catch (TrainingDivergedException e) {
            System.err.println();
            System.err.println("training stopped: " + e.getMessage());
            return 3;
        }
        return 0;
    }
}
