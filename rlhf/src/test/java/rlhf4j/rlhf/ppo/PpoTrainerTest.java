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

class PpoTrainerTest {
    @TempDir Path dir;

    @Test void firstUpdateStartsAtRatioOneAndZeroKl() {
        PpoTrainer t = Toy.trainer(Toy.config(1), 3, Toy.TARGET_FRACTION, dir);
        IterationStats s = t.step();
        assertEquals(0.0, s.klSequence(), "policy and reference are the same network before any update");
        assertEquals(0.0, s.klToken());
        PpoTrainer.MinibatchStats first = t.lastMinibatches().getFirst();
        assertEquals(1.0, first.ratioMin(), "log π on the first minibatch must equal the rollout's log π_old");
        assertEquals(1.0, first.ratioMax());
        assertEquals(0.0, first.approxKl());
        assertEquals(0.0, first.clipFraction());
        assertTrue(s.logProbGap() < 1e-4, "generator and learner disagree on log-probs by " + s.logProbGap());
        // later minibatches see the updated policy
        assertNotEquals(1.0, t.lastMinibatches().getLast().ratioMax());
    }

    @Test void atAnotherTemperatureTheLearnerStillMatchesTheSampler() {
        PpoConfig c = Toy.config(1);
        PpoConfig hot = new PpoConfig(c.batchSize(), c.minibatches(), c.ppoEpochs(), c.maxNewTokens(), 2.0, c.learningRate(),
                c.weightDecay(), c.maxGradNorm(), c.clipRange(), c.clipRangeValue(), c.vfCoef(), c.entropyCoef(), c.gamma(),
                c.lambda(), c.initKlCoef(), c.adaptiveKl(), c.targetKl(), c.klHorizon(), c.approxKlLimit(), c.missingEosPenalty(),
                c.rewardClip(), c.whitenRewards(), 1, c.rewardThreshold(), c.rewardWindow(), 0, 2, c.seed());
        PpoTrainer t = Toy.trainer(hot, 3, Toy.TARGET_FRACTION, dir);
        IterationStats s = t.step();
        assertTrue(s.logProbGap() < 1e-4, "generator and learner at τ = 2 disagree by " + s.logProbGap());
        assertEquals(1.0, t.lastMinibatches().getFirst().ratioMax());
        assertEquals(1.0, t.lastMinibatches().getFirst().ratioMin());
    }

    @Test void rewardRisesWhileKlGrows() {
        PpoTrainer t = Toy.trainer(Toy.config(12), 3, Toy.TARGET_FRACTION, dir);
        List<IterationStats> run = t.train();
        double early = (run.get(0).scoreMean() + run.get(1).scoreMean()) / 2;
        double late = (run.get(10).scoreMean() + run.get(11).scoreMean()) / 2;
        assertTrue(late > early + 0.2, "reward should rise: " + early + " → " + late);
        assertTrue(run.getLast().klSequence() > 0.1, "KL should grow: " + run.getLast().klSequence());
        assertTrue(Files.exists(dir.resolve(RunLog.METRICS_CSV)));
        assertEquals(12, t.log().metrics().size());
    }

    @Test void fourIterationsEqualTwoPlusResumePlusTwo() throws Exception {
        PpoConfig adaptive = withAdaptiveKl(Toy.config(4), 2);
        Path straight = dir.resolve("straight"), split = dir.resolve("split");
        PpoTrainer a = Toy.trainer(adaptive, 3, Toy.TARGET_FRACTION, straight);
        a.train();

        PpoTrainer b1 = Toy.trainer(adaptive.withMaxIterations(2), 3, Toy.TARGET_FRACTION, split);
        b1.train();
        PpoTrainer b2 = Toy.trainer(adaptive, 3, Toy.TARGET_FRACTION, split);   // a fresh process, as it were
        assertNotNull(b2.resume());
        assertEquals(2, b2.iterations());
        b2.train();

        assertEquals(a.beta(), b2.beta());
        assertStateEquals(Checkpoints.POLICY, a.checkpoints().latest(), b2.checkpoints().latest());
        assertStateEquals(Checkpoints.OPTIMIZER, a.checkpoints().latest(), b2.checkpoints().latest());
        List<IterationStats> ma = a.log().metrics(), mb = b2.log().metrics();
        assertEquals(4, mb.size());
        for (int i = 0; i < 4; i++) {
            assertEquals(ma.get(i).scoreMean(), mb.get(i).scoreMean(), "iteration " + i);
            assertEquals(ma.get(i).policyLoss(), mb.get(i).policyLoss(), "iteration " + i);
            assertEquals(ma.get(i).klSequence(), mb.get(i).klSequence(), "iteration " + i);
        }
    }

    @Test void aNanInTheLossStopsWithADiagnosisAndKeepsTheLastGoodCheckpoint() throws Exception {
        int[] calls = {0};
        RewardFunction poisoned = batch -> {
            float[] s = Toy.TARGET_FRACTION.score(batch);
            if (calls[0]++ == 2) s[3] = Float.NaN;                 // the third batch gets a NaN score
            return s;
        };
        PpoConfig c = Toy.config(5);
        PpoConfig everyIteration = new PpoConfig(c.batchSize(), c.minibatches(), c.ppoEpochs(), c.maxNewTokens(), c.temperature(),
                c.learningRate(), c.weightDecay(), c.maxGradNorm(), c.clipRange(), c.clipRangeValue(), c.vfCoef(), c.entropyCoef(),
                c.gamma(), c.lambda(), c.initKlCoef(), c.adaptiveKl(), c.targetKl(), c.klHorizon(), c.approxKlLimit(),
                c.missingEosPenalty(), c.rewardClip(), c.whitenRewards(), 5, c.rewardThreshold(), c.rewardWindow(), 1, 5, c.seed());
        PpoTrainer t = Toy.trainer(everyIteration, 3, poisoned, dir);
        Map<String, Tensor> before = null;
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, t::train);
        assertEquals(2, e.iteration());
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
        PpoConfig strict = new PpoConfig(c.batchSize(), c.minibatches(), 2, c.maxNewTokens(), c.temperature(), c.learningRate(),
                c.weightDecay(), c.maxGradNorm(), c.clipRange(), c.clipRangeValue(), c.vfCoef(), c.entropyCoef(), c.gamma(), c.lambda(),
                c.initKlCoef(), c.adaptiveKl(), c.targetKl(), c.klHorizon(), 1e-12, c.missingEosPenalty(), c.rewardClip(),
                c.whitenRewards(), 3, -1.0, 2, 0, 2, c.seed());
        PpoTrainer t = Toy.trainer(strict, 3, Toy.TARGET_FRACTION, dir);
        List<IterationStats> run = t.train();
        assertEquals(3, run.getFirst().minibatchesRun());
        assertEquals(List.of("0/0", "0/1", "1/0"), t.lastMinibatches().stream().map(m -> m.epoch() + "/" + m.index()).toList());
        assertEquals(2, run.size(), "a threshold of −1 is reached once the window of 2 iterations is full");
    }

    static PpoConfig withAdaptiveKl(PpoConfig c, int checkpointEvery) {
        return new PpoConfig(c.batchSize(), c.minibatches(), c.ppoEpochs(), c.maxNewTokens(), c.temperature(), c.learningRate(),
                c.weightDecay(), c.maxGradNorm(), c.clipRange(), c.clipRangeValue(), c.vfCoef(), 0.01, c.gamma(), c.lambda(),
                0.05, true, 1.0, 20, c.approxKlLimit(), 0.1, 1.0, c.whitenRewards(), c.maxIterations(), c.rewardThreshold(),
                c.rewardWindow(), checkpointEvery, 3, c.seed());
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
