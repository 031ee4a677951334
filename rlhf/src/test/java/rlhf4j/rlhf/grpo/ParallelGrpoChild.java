package rlhf4j.rlhf.grpo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import rlhf4j.rlhf.dist.RunOutcome;
import rlhf4j.rlhf.ppo.IterationStats;
import rlhf4j.rlhf.ppo.Toy;
import rlhf4j.tensor.dist.Collective;
import rlhf4j.tensor.dist.Collectives;

/**
 * {@code ParallelGrpoChild RUN_DIR RESULT ITERATIONS [resume]}: the toy GRPO run on however many ranks mpirun started
 * (see ParallelRlhfTest). Rank 0 writes each iteration's score, surrogate loss and KL and the final policy weights to
 * RESULT; every rank prints whether the ranks' weights are identical.
 */
public final class ParallelGrpoChild {
    public static void main(String[] args) throws Exception {
        Collective world = Collectives.world();
        GrpoTrainer t = trainer(Path.of(args[0]), Integer.parseInt(args[2]));
        if (args.length > 3 && t.resume() == null) throw new IllegalStateException("nothing to resume in " + args[0]);
        RunOutcome o = run(t);
        boolean same = t.parallel() == null || t.parallel().parametersIdentical();
        System.out.println("rank " + world.rank() + " of " + world.size() + " identical weights: " + same);
        if (world.isRoot()) o.write(Path.of(args[1]));
        world.close();
    }

    /** GRPO (group means and stds) on the toy task: 4 prompts × 4 completions, 2 epochs × 2 minibatches of 8 rows. */
    public static GrpoTrainer trainer(Path dir, int iterations) {
        return GrpoToy.trainer(GrpoToy.config(Baseline.GRPO, iterations), 3, Toy.TARGET_FRACTION, dir);
    }

    /** Trains to the configured iterations; the curve is score, surrogate loss and sequence KL of each iteration run. */
    public static RunOutcome run(GrpoTrainer t) {
        List<Double> curve = new ArrayList<>();
        for (IterationStats s : t.train()) {
            curve.add(s.score().mean());
            curve.add(s.losses().policy());
            curve.add(s.kl().sequence());
        }
        Map<String, float[]> w = new LinkedHashMap<>();
        t.policy().stateDict().forEach((k, v) -> w.put(k, v.toFloatArray()));
        return new RunOutcome(curve, w);
    }
}
