package rlhf4j.rlhf.ppo;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.rlhf.reward.RewardFunction;
import rlhf4j.tensor.Tensor;
import rlhf4j.transformer.train.TrainingDivergedException;

class PpoTrainerTest {
    @TempDir Path dir;

    @Test void firstUpdateStartsAtRatioOneAndZeroKl() throws Exception {
        Toy.warmUp();
        PpoTrainer t = Toy.trainer(Toy.config(1), 3, Toy.TARGET_FRACTION, dir);
        IterationStats s = t.step();
        assertEquals(0.0, s.kl().sequence(), "policy and reference are the same network before any update");
        assertEquals(0.0, s.kl().token());
        MinibatchStats first = t.lastMinibatches().getFirst();
        assertEquals(1.0, first.ratios().min(), "log π on the first minibatch must equal the rollout's log π_old");
        assertEquals(1.0, first.ratios().max());
        assertEquals(0.0, first.ratios().approxKl());
        assertEquals(0.0, first.ratios().clipFraction());
        assertTrue(s.completions().logProbGap() < 1e-4, "generator and learner disagree on log-probs by " + s.completions().logProbGap());
        // later minibatches see the updated policy
        assertNotEquals(1.0, t.lastMinibatches().getLast().ratios().max());
    }

    @Test void atAnotherTemperatureTheLearnerStillMatchesTheSampler() throws Exception {
        Toy.warmUp();
        PpoConfig c = Toy.config(1);
        PpoConfig hot = c.withTemperature(2.0).withMaxIterations(1).withCheckpointing(new PpoConfig.Checkpointing(0, 2));
        PpoTrainer t = Toy.trainer(hot, 3, Toy.TARGET_FRACTION, dir);
        IterationStats s = t.step();
        assertTrue(s.completions().logProbGap() < 1e-4, "generator and learner at τ = 2 disagree by " + s.completions().logProbGap());
        assertEquals(1.0, t.lastMinibatches().getFirst().ratios().max());
        assertEquals(1.0, t.lastMinibatches().getFirst().ratios().min());
    }

    @Test void rewardRisesWhileKlGrows() {
        PpoTrainer t = Toy.trainer(Toy.config(12), 3, Toy.TARGET_FRACTION, dir);
        List<IterationStats> run = t.train();
        double early = (run.get(0).score().mean() + run.get(1).score().mean()) / 2;
        double late = (run.get(10).score().mean() + run.get(11).score().mean()) / 2;
        assertTrue(late > early + 0.2, "reward should rise: " + early + " → " + late);
        assertTrue(run.getLast().kl().sequence() > 0.1, "KL should grow: " + run.getLast().kl().sequence());
        assertTrue(Files.exists(dir.resolve(RunLog.METRICS_CSV)));
        assertEquals(12, t.log().metrics().size());
    }

    /**
     * Four iterations in one process equal two, then a resume in a second process, then two more, bit for bit:
     * weights, optimizer moments, β and every logged number. Each run is its own JVM with the default JIT: the CPU
     * kernels give the same bits interpreted and C2-compiled (own exp/log polynomials, lane sums in a fixed order),
     * so the warm-up of a fresh process cannot change the result.
     */
    @Test void fourIterationsEqualTwoPlusResumePlusTwo() throws Exception {
        Path straight = dir.resolve("straight"), split = dir.resolve("split");
        runToy(straight, "4");
        runToy(split, "2");
        runToy(split, "4", "resume");
        Path a = new Checkpoints(straight).latest(), b = new Checkpoints(split).latest();
        assertEquals(Checkpoints.name(4), b.getFileName().toString());
        assertStateEquals(Checkpoints.POLICY, a, b);
        assertStateEquals(Checkpoints.OPTIMIZER, a, b);
        assertEquals(Checkpoints.readState(a), Checkpoints.readState(b));      // β and the score window
        List<IterationStats> ma = new RunLog(straight).metrics(), mb = new RunLog(split).metrics();
        assertEquals(4, mb.size());
        for (int i = 0; i < 4; i++) {
            assertEquals(ma.get(i).score().mean(), mb.get(i).score().mean(), "iteration " + i);
            assertEquals(ma.get(i).losses().policy(), mb.get(i).losses().policy(), "iteration " + i);
            assertEquals(ma.get(i).losses().value(), mb.get(i).losses().value(), "iteration " + i);
            assertEquals(ma.get(i).kl().sequence(), mb.get(i).kl().sequence(), "iteration " + i);
            assertEquals(ma.get(i).kl().beta(), mb.get(i).kl().beta(), "iteration " + i);
            assertEquals(0.0, ma.get(i).updates().firstRatioError(), "ρ = 1 exactly before the first update of iteration " + i);
        }
        assertEquals(0.0, ma.getFirst().kl().sequence(), "the policy starts as the reference");
    }

    static void runToy(Path dir, String... args) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), ToyRun.class.getName(), dir.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "ToyRun " + String.join(" ", args) + " failed:\n" + out);
    }

    @Test void aNanInTheLossStopsWithADiagnosisAndKeepsTheLastGoodCheckpoint() throws Exception {
        int[] calls = {0};
        RewardFunction poisoned = batch -> {
            float[] s = Toy.TARGET_FRACTION.score(batch);
            if (calls[0]++ == 2) s[3] = Float.NaN;                 // the third batch gets a NaN score
            return s;
        };
        PpoConfig c = Toy.config(5);
        PpoConfig everyIteration = c.withMaxIterations(5).withCheckpointing(new PpoConfig.Checkpointing(1, 5));
        PpoTrainer t = Toy.trainer(everyIteration, 3, poisoned, dir);
        Map<String, Tensor> before = null;
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, t::train);
        assertEquals(2, e.step());
        assertEquals("policy loss", e.quantity());
        assertTrue(e.getMessage().contains("scores (from"), e.getMessage());
        assertTrue(e.getMessage().contains("rollout row 3"), e.getMessage());
        assertEquals(dir.resolve("checkpoints").resolve(Checkpoints.name(2)), e.lastGoodCheckpoint());
        assertEquals(List.of(dir.resolve("checkpoints/step-000001"), dir.resolve("checkpoints/step-000002")), t.checkpoints().list());
        // the checkpoint holds finite weights, and a fresh trainer resumes from it
        PpoTrainer again = Toy.trainer(everyIteration, 3, Toy.TARGET_FRACTION, dir);
        assertEquals(dir.resolve("checkpoints/step-000002"), again.resume());
        for (Tensor w : again.checkpoints().list().isEmpty() ? List.<Tensor>of()
                : rlhf4j.tensor.io.Safetensors.read(e.lastGoodCheckpoint().resolve(Checkpoints.POLICY)).tensors().values())
            assertEquals(-1, Masked.firstNonFinite(w.toFloatArray()));
        assertNull(before);
    }

    @Test void approxKlLimitEndsEpochsEarlyAndTheThresholdEndsTraining() {
        PpoConfig c = Toy.config(3);
        // any movement exceeds this limit: epoch 0 runs its first minibatch (ρ = 1, k3 = 0) and the second, which
        // passes the limit; epoch 1 stops after its first
        PpoConfig strict = c.withOptimisation(c.optimisation().withPpoEpochs(2)).withKl(c.kl().withApproxKlLimit(1e-12))
                .withStopping(new PpoConfig.Stopping(3, -1.0, 2)).withCheckpointing(new PpoConfig.Checkpointing(0, 2));
        PpoTrainer t = Toy.trainer(strict, 3, Toy.TARGET_FRACTION, dir);
        List<IterationStats> run = t.train();
        assertEquals(3, run.getFirst().updates().minibatches());
        assertEquals(List.of("0/0", "0/1", "1/0"), t.lastMinibatches().stream().map(m -> m.epoch() + "/" + m.index()).toList());
        assertEquals(2, run.size(), "a threshold of −1 is reached once the window of 2 iterations is full");
    }

    @Test void aSeparateCriticIsTrainedAndCheckpointed() throws Exception {
        var policy = new rlhf4j.transformer.heads.HeadedModel(new rlhf4j.transformer.llama.Llama(Toy.CONFIG, 3), true, null, null);
        var critic = new rlhf4j.transformer.heads.HeadedModel(new rlhf4j.transformer.llama.Llama(Toy.CONFIG, 8), false,
                new rlhf4j.transformer.heads.ValueHead(16, 5, rlhf4j.tensor.Device.CPU), null);
        float[] before = critic.valueHead.summary.weight.value().toFloatArray();
        PpoTrainer t = new PpoTrainer(Toy.config(2), new PpoModels(policy, critic, new rlhf4j.transformer.llama.Llama(Toy.CONFIG, 3)),
                Toy.TARGET_FRACTION, Toy.LETTERS, Toy.STOP, Toy.prompts(12), dir);
        List<IterationStats> run = t.train();
        assertTrue(Double.isFinite(run.getLast().losses().value()));
        assertFalse(java.util.Arrays.equals(before, critic.valueHead.summary.weight.value().toFloatArray()), "the critic learns");
        assertTrue(Files.exists(t.checkpoints().latest().resolve(Checkpoints.VALUE_MODEL)));
        assertTrue(t.models().trainedParameters().keySet().stream().anyMatch(k -> k.startsWith("value.value_head.")));
    }

    static PpoConfig withAdaptiveKl(PpoConfig c, int checkpointEvery) {
        PpoConfig.Loss l = c.loss();
        PpoConfig.Advantage a = c.advantage();
        return c.withLoss(new PpoConfig.Loss(l.clipRange(), l.valueClipRange(), l.vfCoef(), 0.01))
                .withKl(PpoConfig.KlControl.adaptive(0.05, 1.0, 20).withApproxKlLimit(c.kl().approxKlLimit()))
                .withAdvantage(new PpoConfig.Advantage(a.gamma(), a.lambda(), a.whitenRewards(), 1.0, 0.1))
                .withCheckpointing(new PpoConfig.Checkpointing(checkpointEvery, 3));
    }

    static void assertStateEquals(String file, Path a, Path b) throws Exception {
        Map<String, Tensor> x = rlhf4j.tensor.io.Safetensors.read(a.resolve(file)).tensors();
        Map<String, Tensor> y = rlhf4j.tensor.io.Safetensors.read(b.resolve(file)).tensors();
        assertEquals(x.keySet(), y.keySet());
        for (String k : x.keySet()) {
            if (x.get(k).dtype() == rlhf4j.tensor.DType.I32) assertArrayEquals(x.get(k).toIntArray(), y.get(k).toIntArray(), k);
            else assertArrayEquals(x.get(k).toFloatArray(), y.get(k).toFloatArray(), k + " differs");
        }
    }
}
