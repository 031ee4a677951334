package rlhf4j.rlhf.grpo;

import java.nio.file.Path;
import rlhf4j.rlhf.ppo.PpoConfig;
import rlhf4j.rlhf.ppo.Toy;

/** A toy GRPO / RLOO run as its own process: {@code GrpoToyRun DIR BASELINE ITERATIONS [resume]} (see GrpoTrainerTest). */
public final class GrpoToyRun {
    public static void main(String[] args) throws Exception {
        GrpoConfig cfg = GrpoToy.config(Baseline.parse(args[1]), Integer.parseInt(args[2]))
                .withCheckpointing(new PpoConfig.Checkpointing(2, 3));
        GrpoTrainer t = GrpoToy.trainer(cfg, 3, Toy.TARGET_FRACTION, Path.of(args[0]));
        if (args.length > 3 && t.resume() == null) throw new IllegalStateException("nothing to resume in " + args[0]);
        t.train();
    }
}
