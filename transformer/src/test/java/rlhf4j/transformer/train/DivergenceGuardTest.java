package rlhf4j.transformer.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;
import org.junit.jupiter.api.Test;
import rlhf4j.transformer.gpt2.Gpt2;

class DivergenceGuardTest {
    final Map<String, rlhf4j.autograd.Parameter> weights = new Gpt2(CausalLmTrainerTest.TINY, 1).namedParameters();

    @Test void overfittingAndNoisyBatchesAreNotDivergence() {
        DivergenceGuard g = new DivergenceGuard(10);
        assertNull(g.checkStep(4.0));
        for (int i = 0; i < 200; i++) assertNull(g.checkStep(i % 2 == 0 ? 0.02 : 0.6), "step " + i);   // memorised, noisy batches
        assertNull(g.checkEvaluation(Map.of("train", 0.05, "val", 3.9), weights), "val far above train is overfitting");
        assertNull(g.checkEvaluation(Map.of("train", 0.04, "val", 4.5), weights));
    }

    @Test void aBlownUpLossIsCaughtAgainstItsOwnBestOrTheStartingLoss() {
        DivergenceGuard g = new DivergenceGuard(10);
        assertNull(g.checkStep(4.08));
        assertEquals("the val loss 2.627e+12 is more than 10 × the training loss at the start (4.0800; --divergence-factor)",
                g.checkEvaluation(Map.of("val", 2.627e12), weights));
        assertNull(g.checkEvaluation(Map.of("val", 2.0), weights));
        assertTrue(g.checkEvaluation(Map.of("val", 20.5), weights).startsWith("the val loss 20.50 is more than 10 × its lowest so far (2.0000"));
        assertEquals("the training loss is NaN", g.checkStep(Double.NaN));
        assertTrue(g.checkStep(1e6).startsWith("the training loss (moving average) 1.000e+05 is more than 10 × its lowest so far"));
    }

    @Test void aResumedRunComparesValidationWithItsSavedBest() {
        DivergenceGuard g = new DivergenceGuard(10);
        g.seed("val", 1.5);
        assertNull(g.checkStep(1.4));
        assertNotNull(g.checkEvaluation(Map.of("val", 15.5), weights));
        assertNull(new DivergenceGuard(Double.POSITIVE_INFINITY).checkEvaluation(Map.of("val", 1e30), weights), "the factor check off");
    }

    @Test void nonFiniteOrExplodedWeightsAreNamed() {
        assertNull(DivergenceGuard.checkWeights(weights));
        var w = weights.get("wte.weight").value();
        float[] a = w.toFloatArray();
        a[3] = Float.NaN;
        a[5] = 1e30f;
        w.copyFrom(rlhf4j.tensor.Tensor.of(a, w.shape()));
        String p = DivergenceGuard.checkWeights(weights);
        assertTrue(p.matches("1 of \\d+ weights are NaN or ±∞ and 1 exceed 1e\\+08 in magnitude \\(first: wte.weight holds NaN\\)"), p);
    }
}
