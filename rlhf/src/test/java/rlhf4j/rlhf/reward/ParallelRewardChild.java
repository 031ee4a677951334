package rlhf4j.rlhf.reward;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import rlhf4j.rlhf.dist.RunOutcome;
import rlhf4j.tensor.dist.Collective;
import rlhf4j.tensor.dist.Collectives;
import rlhf4j.transformer.gpt2.Gpt2;
import rlhf4j.transformer.gpt2.GptConfig;

/**
 * {@code ParallelRewardChild RESULT}: five reward-model steps (40 groups, 8 a batch) on however many ranks mpirun
 * started (see ParallelRlhfTest). Rank 0 writes the step losses and final weights; every rank prints whether the
 * ranks' weights are identical.
 */
public final class ParallelRewardChild {
    public static void main(String[] args) throws Exception {
        Collective world = Collectives.world();
        RewardModel model = model();
        RunOutcome o = run(model, world);
        long h = rlhf4j.autograd.dist.DataParallel.parameterHash(model.scoring.module.namedParameters().values());
        boolean same = world.allGather(java.nio.ByteBuffer.allocate(8).putLong(h).array()).stream()
                .allMatch(b -> java.nio.ByteBuffer.wrap(b).getLong() == h);
        System.out.println("rank " + world.rank() + " of " + world.size() + " identical weights: " + same);
        if (world.isRoot()) o.write(Path.of(args[0]));
        world.close();
    }

    public static RewardModel model() {
        Gpt2 trunk = new Gpt2(new GptConfig(1, 2, 16, 24, RewardModelTest.CHARS.vocabSize(), 0.0), 1);
        return RewardModel.create(trunk, RewardModelTest.CHARS, 24, 1);
    }

    public static RunOutcome run(RewardModel model, Collective world) {
        var trainer = new RewardTrainer(model, new RewardTrainer.Config(1, 8, 1e-2, 0.01, 0.0, 1.0, 2), world);
        List<Double> losses = new ArrayList<>();
        trainer.train(RewardModelTest.groups(40, 10), List.of(), new RewardTrainer.Listener() {
            @Override public void onStep(int epoch, int step, int steps, double loss) { losses.add(loss); }
        });
        Map<String, float[]> w = new LinkedHashMap<>();
        model.scoring.module.namedParameters().forEach((k, p) -> w.put(k, p.value().toFloatArray()));
        return new RunOutcome(losses, w);
    }
}
