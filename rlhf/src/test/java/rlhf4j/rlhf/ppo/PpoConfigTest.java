package rlhf4j.rlhf.ppo;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class PpoConfigTest {
    @Test void eachGroupNamesTheBadValueAsAUserKnowsIt() {
        PpoConfig d = PpoConfig.defaults();
        PpoConfig fourMinibatches = d.withOptimisation(new PpoConfig.Optimisation(1e-4, 0, 1, 4, 4));
        assertEquals("batch size 10 must be a positive multiple of minibatches 4", assertThrows(IllegalArgumentException.class,
                () -> fourMinibatches.withSampling(new PpoConfig.Sampling(10, 48, 1.0))).getMessage());
        assertEquals("learning rate 0.0 must be finite and > 0",
                assertThrows(IllegalArgumentException.class, () -> d.withLearningRate(0)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> d.withTemperature(0)).getMessage().startsWith("temperature 0.0 must be"));
        assertEquals("gamma 1.5 must be in [0, 1]", assertThrows(IllegalArgumentException.class,
                () -> new PpoConfig.Advantage(1.5, 0.95, false, 0, 0)).getMessage());
        assertEquals("PPO epochs 0 must be >= 1", assertThrows(IllegalArgumentException.class,
                () -> new PpoConfig.Optimisation(1e-4, 0, 1, 0, 4)).getMessage());
        assertEquals("adaptive KL needs a target KL > 0 and a horizon > 0, got 0.0 and 10000.0", assertThrows(IllegalArgumentException.class,
                () -> PpoConfig.KlControl.adaptive(0.1, 0, 10_000)).getMessage());
        assertEquals("iterations 0 must be >= 1", assertThrows(IllegalArgumentException.class, () -> d.withMaxIterations(0)).getMessage());
        assertEquals("keep checkpoints 0 must be >= 1", assertThrows(IllegalArgumentException.class,
                () -> new PpoConfig.Checkpointing(10, 0)).getMessage());
    }

    @Test void withCopiesChangeOneSettingAndKeepTheRest() {
        PpoConfig d = PpoConfig.defaults(), c = d.withMaxIterations(7).withLearningRate(3e-4).withSeed(9).withTemperature(0.7);
        assertEquals(7, c.stopping().maxIterations());
        assertEquals(3e-4, c.optimisation().learningRate());
        assertEquals(9, c.seed());
        assertEquals(0.7, c.sampling().temperature());
        assertEquals(d.loss(), c.loss());
        assertEquals(d.kl(), c.kl());
        assertEquals(d.optimisation().ppoEpochs(), c.optimisation().ppoEpochs());
        assertEquals(d.sampling().batchSize() / d.optimisation().minibatches(), d.minibatchSize());
        assertEquals(d, PpoConfig.defaults(), "NaN threshold and all: equal configs compare equal");
    }

    @Test void settingsListEveryValueUnderADottedName() {
        var s = PpoConfig.defaults().settings();
        assertEquals(PpoConfig.Defaults.BATCH_SIZE, s.get("sampling.batchSize"));
        assertEquals(PpoConfig.Defaults.LEARNING_RATE, s.get("optimisation.learningRate"));
        assertEquals(PpoConfig.Defaults.ADAPTIVE_KL, s.get("kl.adaptive"));
        assertEquals(PpoConfig.Defaults.SEED, s.get("seed"));
        assertEquals(CollapseLimits.MAX_KL, s.get("stopping.limits.maxKl"));          // nested groups flattened too
        assertEquals(3 + 5 + 4 + 5 + 5 + (3 + 3) + 2 + 1, s.size());
    }
}
