package rlhf4j.rlhf.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import rlhf4j.rlhf.ppo.Checkpoints;
import rlhf4j.rlhf.ppo.IterationStats;
import rlhf4j.rlhf.ppo.MinibatchStats;
import rlhf4j.rlhf.ppo.RunLog;
import rlhf4j.rlhf.ppo.Toy;
import rlhf4j.rlhf.reward.RewardFunction;
import rlhf4j.tensor.Tensor;

class GrpoTrainerTest {
    @TempDir Path dir;

    @Test void rowsComeInGroupsOfOnePromptAndAdvantagesFollowTheScores() {
        GrpoTrainer t = GrpoToy.trainer(GrpoToy.config(Baseline.RLOO, 1), 3, Toy.TARGET_FRACTION, dir);
        GroupRollout r = t.rollout(0, new double[5]);
        assertEquals(16, r.tokens().size());
        for (int g = 0; g < 4; g++)
            for (int i = 1; i < 4; i++) assertEquals(r.promptIndex()[4 * g], r.promptIndex()[4 * g + i], "group " + g);
        assertArrayEquals(GroupAdvantages.compute(r.scores(), 4, Baseline.RLOO, 1e-4), r.advantages());
        assertArrayEquals(new double[16], r.klPerSequence(), "the policy starts as the reference");
    }

    /**
     * Without a KL term (β 0) nothing moves. With β &gt; 0 the first minibatch (whose rows are those the reference was
     * evaluated on, so π_θ = π_ref to the bit) has a zero gradient too; later minibatches mix other rows, whose
     * rounding may differ in the last bit, so only the surrogate is exactly zero there.
     */
    @Test void equalRewardsGiveZeroAdvantageAndNoUpdate() {
        RewardFunction constant = batch -> { float[] s = new float[batch.size()]; java.util.Arrays.fill(s, 0.5f); return s; };
        for (Baseline b : Baseline.values()) {
            GrpoTrainer t = GrpoToy.trainer(GrpoToy.config(b, 1).withBeta(0), 3, constant, dir.resolve(b.id()));
            Map<String, float[]> before = weights(t);
            assertArrayEquals(new float[16], t.rollout(0, new double[5]).advantages(), b + ": zero advantages");
            IterationStats s = t.step();
            for (MinibatchStats m : t.lastMinibatches()) {
                assertEquals(0.0, m.gradNorm(), b + ": zero gradient");
                assertEquals(0.0, m.policyLoss(), 0.0, b + ": zero surrogate");
            }
            Map<String, float[]> after = weights(t);
            for (String k : before.keySet()) assertArrayEquals(before.get(k), after.get(k), b + ": " + k + " unchanged");
            assertEquals(0.0, s.updates().firstRatioError(), "ρ = 1 before the first update");

            GrpoTrainer withKl = GrpoToy.trainer(GrpoToy.config(b, 1), 3, constant, dir.resolve(b.id() + "-kl"));
            withKl.step();
            assertEquals(0.0, withKl.lastMinibatches().getFirst().gradNorm(), b + ": zero gradient at π = π_ref");
            for (MinibatchStats m : withKl.lastMinibatches()) assertEquals(0.0, m.policyLoss(), 0.0, b + ": zero surrogate");
        }
    }

    private static Map<String, float[]> weights(GrpoTrainer t) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : t.policy().stateDict().entrySet()) out.put(e.getKey(), e.getValue().toFloatArray());
        return out;
    }

    @ParameterizedTest @EnumSource(Baseline.class)
    void eachBaselineRaisesTheToyReward(Baseline b) {
        GrpoTrainer t = GrpoToy.trainer(GrpoToy.config(b, 12), 3, Toy.TARGET_FRACTION, dir);
        List<IterationStats> run = t.train();
        double early = (run.get(0).score().mean() + run.get(1).score().mean()) / 2;
        double late = (run.get(10).score().mean() + run.get(11).score().mean()) / 2;
        assertTrue(late > early + 0.2, b + ": reward should rise: " + early + " → " + late);
        assertTrue(run.getLast().kl().sequence() > 0.05, b + ": KL should grow: " + run.getLast().kl().sequence());
        assertTrue(Double.isNaN(run.getLast().losses().value()), "no critic, no value loss");
        assertEquals(12, t.log().metrics().size());
    }

    /** Four iterations equal two, then a resume in another process, then two more, bit for bit (as PPO's test). */
    @ParameterizedTest @EnumSource(value = Baseline.class, names = {"GRPO", "RLOO"})
    void fourIterationsEqualTwoPlusResumePlusTwo(Baseline b) throws Exception {
        Path straight = dir.resolve("straight"), split = dir.resolve("split");
        run(straight, b.id(), "4");
        run(split, b.id(), "2");
        run(split, b.id(), "4", "resume");
        Path x = new Checkpoints(straight).latest(), y = new Checkpoints(split).latest();
        assertEquals(Checkpoints.name(4), y.getFileName().toString());
        for (String f : List.of(Checkpoints.POLICY, Checkpoints.OPTIMIZER)) {
            Map<String, Tensor> u = rlhf4j.tensor.io.Safetensors.read(x.resolve(f)).tensors(), v = rlhf4j.tensor.io.Safetensors.read(y.resolve(f)).tensors();
            assertEquals(u.keySet(), v.keySet());
            for (String k : u.keySet())
                if (u.get(k).dtype() == rlhf4j.tensor.DType.I32) assertArrayEquals(u.get(k).toIntArray(), v.get(k).toIntArray(), k);
                else assertArrayEquals(u.get(k).toFloatArray(), v.get(k).toFloatArray(), f + " " + k);
        }
        assertEquals(Checkpoints.readState(x), Checkpoints.readState(y));
        List<IterationStats> ma = new RunLog(straight).metrics(), mb = new RunLog(split).metrics();
        assertEquals(4, mb.size());
        for (int i = 0; i < 4; i++) {
            assertEquals(ma.get(i).score().mean(), mb.get(i).score().mean(), "iteration " + i);
            assertEquals(ma.get(i).losses().policy(), mb.get(i).losses().policy(), "iteration " + i);
            assertEquals(ma.get(i).kl().sequence(), mb.get(i).kl().sequence(), "iteration " + i);
            assertEquals(0.0, ma.get(i).updates().firstRatioError(), "ρ = 1 before the first update of iteration " + i);
        }
    }

    private static void run(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), GrpoToyRun.class.getName(), dir.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "GrpoToyRun " + String.join(" ", args) + " failed:\n" + out);
    }
}
