package rlhf4j.rlhf.ppo;

import java.nio.file.Path;

/** A toy PPO run as its own process: {@code ToyRun DIR ITERATIONS [resume]} (see PpoTrainerTest). */
public final class ToyRun {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        PpoConfig cfg = PpoTrainerTest.withAdaptiveKl(Toy.config(4), 2).withMaxIterations(Integer.parseInt(args[1]));
        PpoTrainer t = Toy.trainer(cfg, 3, Toy.TARGET_FRACTION, dir);
        if (args.length > 2 && t.resume() == null) throw new IllegalStateException("nothing to resume in " + dir);
        t.train();
    }
}
