package rlhf4j.rlhf.dpo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import rlhf4j.rlhf.dist.RunOutcome;
import rlhf4j.tensor.dist.Collective;
import rlhf4j.tensor.dist.Collectives;
import rlhf4j.transformer.Policy;

/**
 * {@code ParallelDpoChild RUN_DIR RESULT STEPS [resume]}: the tiny DPO run on however many ranks mpirun started (see
 * ParallelRlhfTest), STEPS steps then a checkpoint (0 = the whole run). Rank 0 writes each step's loss and margin and
 * the final policy weights to RESULT; every rank prints whether the ranks' weights are identical.
 */
public final class ParallelDpoChild {
    public static void main(String[] args) throws Exception {
        Collective world = Collectives.world();
        DpoTrainer t = trainer(Path.of(args[0]));
        if (args.length > 3 && t.resume() == null) throw new IllegalStateException("nothing to resume in " + args[0]);
        RunOutcome o = run(t, Integer.parseInt(args[2]));
        boolean same = t.parallel() == null || t.parallel().parametersIdentical();
        System.out.println("rank " + world.rank() + " of " + world.size() + " identical weights: " + same);
        if (world.isRoot()) o.write(Path.of(args[1]));
        world.close();
    }

    /** 9 groups in batches of 3 (split 2 + 1 over two ranks), 2 epochs: 6 steps, checkpoints every 2, held-out = train. */
    public static DpoTrainer trainer(Path dir) {
        DpoConfig cfg = new DpoConfig(new DpoConfig.Loss(DpoConfig.LossType.SIGMOID, 0.5, 0), new DpoConfig.Optimisation(2, 3, 1e-2, 0.0, 1.0),
                new DpoConfig.Checkpointing(2, 2), 7);
        Policy p = TinyDpo.policy(3);
        PairData data = PairData.encode(TinyDpo.groups(9), p, 8);
        return new DpoTrainer(cfg, p.model(), TinyDpo.policy(3).model(), data, data, dir);
    }

    /** Runs {@code steps} steps and saves a checkpoint, or with 0 trains to the end; the curve is loss and margin per step. */
    public static RunOutcome run(DpoTrainer t, int steps) {
        List<DpoStats> stats = new ArrayList<>();
        if (steps == 0) stats.addAll(t.train());
        else {
            for (int i = 0; i < steps; i++) stats.add(t.step());
            t.saveCheckpoint();
        }
        List<Double> curve = new ArrayList<>();
        for (DpoStats s : stats) {
            curve.add(s.loss());
            curve.add(s.rewards().margin());
        }
        Map<String, float[]> w = new LinkedHashMap<>();
        t.policy().stateDict().forEach((k, v) -> w.put(k, v.toFloatArray()));
        return new RunOutcome(curve, w);
    }
}
