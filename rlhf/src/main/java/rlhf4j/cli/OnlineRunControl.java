package rlhf4j.cli;

import picocli.CommandLine.Option;
import rlhf4j.rlhf.ppo.CollapseLimits;
import rlhf4j.rlhf.ppo.PpoConfig;
import rlhf4j.rlhf.ppo.PpoConfig.Defaults;

/** When {@code ppo}, {@code grpo} and {@code rloo} stop, save and seed: their shared stopping and checkpointing flags. */
final class OnlineRunControl {
    @Option(names = "--reward-threshold", description = "stop when the moving-average score reaches this (default: never)") Double rewardThreshold;
    @Option(names = "--reward-window", defaultValue = "" + Defaults.REWARD_WINDOW, description = "iterations in that moving average (default: ${DEFAULT-VALUE})") int rewardWindow;
    @Option(names = "--max-kl", defaultValue = "" + CollapseLimits.MAX_KL, description = "stop as collapsed, saving nothing of that state, once the mean KL to the reference passes this many nats per completion (default: ${DEFAULT-VALUE})") double maxKl;
    @Option(names = "--checkpoint-every", defaultValue = "" + Defaults.CHECKPOINT_EVERY, description = "0 = only at the end (default: ${DEFAULT-VALUE})") int checkpointEvery;
    @Option(names = "--keep-checkpoints", defaultValue = "" + Defaults.KEEP_CHECKPOINTS, description = "(default: ${DEFAULT-VALUE})") int keepCheckpoints;
    @Option(names = "--seed", defaultValue = "" + Defaults.SEED, description = "(default: ${DEFAULT-VALUE})") long seed;

    PpoConfig.Stopping stopping(int iterations) {
        return new PpoConfig.Stopping(iterations, rewardThreshold == null ? Double.NaN : rewardThreshold, rewardWindow).withMaxKl(maxKl);
    }

    PpoConfig.Checkpointing checkpointing() { return new PpoConfig.Checkpointing(checkpointEvery, keepCheckpoints); }
}
