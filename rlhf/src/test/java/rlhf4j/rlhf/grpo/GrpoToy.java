package rlhf4j.rlhf.grpo;

import java.nio.file.Path;
import rlhf4j.rlhf.ppo.PpoConfig;
import rlhf4j.rlhf.ppo.Toy;
import rlhf4j.rlhf.reward.RewardFunction;
import rlhf4j.transformer.llama.Llama;

/** PPO's toy task (a tiny Llama, reward = the fraction of one target token) for the critic-free methods. */
final class GrpoToy {
    private GrpoToy() {}

    /** 4 prompts × 4 completions of at most 8 tokens, 2 epochs × 2 minibatches, lr 1e−2, β 0.02. */
    static GrpoConfig config(Baseline baseline, int iterations) {
        return new GrpoConfig(new GrpoConfig.Sampling(4, 4, 8, 1.0), new PpoConfig.Optimisation(1e-2, 0.0, 1.0, 2, 2),
                new GrpoConfig.Objective(baseline, 0.2, 0.02, 1e-4), new PpoConfig.Stopping(iterations, Double.NaN, 3),
                new PpoConfig.Checkpointing(0, 2), 99);
    }

    static GrpoTrainer trainer(GrpoConfig cfg, long seed, RewardFunction reward, Path dir) {
        return new GrpoTrainer(cfg, new Llama(Toy.CONFIG, seed), new Llama(Toy.CONFIG, seed), reward, Toy.LETTERS, Toy.STOP,
                Toy.prompts(12), dir);
    }
}
