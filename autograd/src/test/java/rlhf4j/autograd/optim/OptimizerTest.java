package rlhf4j.autograd.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import rlhf4j.autograd.Parameter;
import rlhf4j.autograd.Variable;
import rlhf4j.autograd.nn.Init;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;

class OptimizerTest {

    private static Parameter param(float... values) {
        return new Parameter(MemoryScope.unscoped(() -> Tensor.of(values)));
    }

    /** Sets p.grad = g by backpropagating L = Σ g·p (after clearing the old gradient). */
    private static void setGrad(Parameter p, float... g) {
        p.zeroGrad();
        try (var scope = MemoryScope.open()) {
            p.mul(Tensor.of(g)).sum().backward();
        }
    }

    @Test void sgdWithMomentumMatchesHandComputedSteps() {
        Parameter p = param(1f, -2f);
        SGD sgd = new SGD(Map.of("p", p), 0.1, 0.9, 0);
        setGrad(p, 0.5f, 1f);
        sgd.step();
        // buf = g = [0.5, 1];  p = [1 − 0.05, −2 − 0.1]
        assertArrayEquals(new float[]{0.95f, -2.1f}, p.value().toFloatArray(), 1e-6f);
        setGrad(p, 0.5f, 1f);
        sgd.step();
        // buf = 0.9·[0.5, 1] + [0.5, 1] = [0.95, 1.9];  p = [0.95 − 0.095, −2.1 − 0.19]
        assertArrayEquals(new float[]{0.855f, -2.29f}, p.value().toFloatArray(), 1e-6f);
        assertEquals(2, sgd.stepCount());
    }

    @Test void sgdWeightDecayIsAddedToTheGradient() {
        Parameter p = param(2f);
        SGD sgd = new SGD(Map.of("p", p), 0.5, 0, 0.1);
        setGrad(p, 1f);
        sgd.step();
        // g = 1 + 0.1·2 = 1.2;  p = 2 − 0.5·1.2 = 1.4
        assertEquals(1.4f, p.value().item(), 1e-6f);
    }

    @Test void sgdSkipsParametersWithoutGradient() {
        Parameter p = param(3f);
        new SGD(Map.of("p", p), 0.1).step();
        assertEquals(3f, p.value().item());
    }

    @Test void adamWMatchesHandComputedFirstTwoSteps() {
        Parameter p = param(1f);
        double lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.01;
        AdamW adam = new AdamW(Map.of("p", p), lr, b1, b2, eps, wd);
        setGrad(p, 0.5f);
        adam.step();
        // m = 0.05, v = 0.00025, m̂ = 0.5, v̂ = 0.25: the step is lr·(0.5/0.5 + wd·1) = 0.101
        assertEquals(0.899f, p.value().item(), 1e-6f);

        setGrad(p, -1f);
        adam.step();
        double m = b1 * 0.05 + (1 - b1) * -1;                // −0.055
        double v = b2 * 0.00025 + (1 - b2) * 1;              // 0.00124975
        double mHat = m / (1 - b1 * b1), vHat = v / (1 - b2 * b2);
        double expected = 0.899 - lr * (mHat / (Math.sqrt(vHat) + eps) + wd * 0.899);   // ≈ 0.93471
        assertEquals(expected, p.value().item(), 1e-5);
        assertEquals(0.93471, expected, 1e-4, "the hand computation itself");
    }

    @Test void adamWDecayOnlyFilter() {
        Parameter w = param(1f), b = param(1f);
        Map<String, Parameter> ps = new LinkedHashMap<>();
        ps.put("w", w);
        ps.put("b", b);
        AdamW adam = new AdamW(ps, 0.1, 0.9, 0.999, 1e-8, 0.5).decayOnly(n -> n.equals("w"));
        setGrad(w, 0f);
        setGrad(b, 0f);
        adam.step();
        assertEquals(1f - 0.1f * 0.5f, w.value().item(), 1e-6f, "zero gradient: only the decay moves w");
        assertEquals(1f, b.value().item(), 1e-6f, "b is not decayed");
    }

    @Test void clipGradNormScalesToMaxNormAndReturnsTheTotal() {
        Parameter a = param(0f), b = param(0f, 0f);
        setGrad(a, 3f);
        setGrad(b, 0f, 4f);
        double norm = GradClip.clipGradNorm(java.util.List.of(a, b), 1.0);
        assertEquals(5.0, norm, 1e-6);
        assertEquals(0.6f, a.grad().item(), 1e-6f);
        assertArrayEquals(new float[]{0, 0.8f}, b.grad().toFloatArray(), 1e-6f);
        double again = GradClip.clipGradNorm(java.util.List.of(a, b), 10.0);
        assertEquals(1.0, again, 1e-5);
        assertEquals(0.6f, a.grad().item(), 1e-6f, "under the limit: unchanged");
    }

    @Test void cosineScheduleAtKnownSteps() {
        CosineSchedule s = new CosineSchedule(1e-3, 1e-4, 10, 110);
        assertEquals(1e-4, s.lr(0), 1e-12);                  // (0+1)/10 of max
        assertEquals(5e-4, s.lr(4), 1e-12);
        assertEquals(1e-3, s.lr(9), 1e-12);                  // warmup ends at max
        assertEquals(1e-3, s.lr(10), 1e-12);                 // cosine starts at max
        assertEquals(5.5e-4, s.lr(60), 1e-12);               // halfway: (max + min) / 2
        assertEquals(1e-4 + 0.5 * 9e-4 * (1 + Math.cos(Math.PI * 0.25)), s.lr(35), 1e-12);
        assertEquals(1e-4, s.lr(110), 1e-12);
        assertEquals(1e-4, s.lr(500), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new CosineSchedule(1, 0, 10, 5));
    }

    @Test void optimizerStateRoundTripResumesExactly() {
        // run A: 5 steps straight; run B: 3 steps, save, restore into fresh objects, 2 more steps
        java.util.function.Function<Parameter, Optimizer> sgd = p -> new SGD(Map.of("p", p), 0.05, 0.9, 0.01);
        assertArrayEquals(train(sgd, 5, -1), train(sgd, 3, 2));
        java.util.function.Function<Parameter, Optimizer> adam = p -> new AdamW(Map.of("p", p), 0.05, 0.9, 0.99, 1e-8, 0.1);
        assertArrayEquals(train(adam, 5, -1), train(adam, 3, 2));
        assertTrue(!java.util.Arrays.equals(train(adam, 5, -1), train(adam, 4, -1)), "the steps do change the weights");
    }

    /** Trains a tiny quadratic; with thenMore ≥ 0, checkpoints after steps and resumes in new objects. */
    private static float[] train(java.util.function.Function<Parameter, Optimizer> make, int steps, int thenMore) {
        Parameter p = new Parameter(Init.normal(1, 1.0, 6));
        Optimizer opt = make.apply(p);
        Tensor target = Tensor.of(1f, 2f, 3f, -1f, -2f, -3f);
        for (int i = 0; i < steps; i++) quadraticStep(p, opt, target);
        if (thenMore < 0) return p.value().toFloatArray();
        Map<String, Tensor> saved = copyAll(opt.stateDict());
        Tensor savedP = p.value().copy();

        Parameter q = new Parameter(Init.zeros(6));
        q.set(savedP);
        Optimizer opt2 = make.apply(q);
        opt2.loadStateDict(saved);
        assertEquals(steps, opt2.stepCount());
        for (int i = 0; i < thenMore; i++) quadraticStep(q, opt2, target);
        return q.value().toFloatArray();
    }

    private static void quadraticStep(Parameter p, Optimizer opt, Tensor target) {
        opt.zeroGrad();
        try (var step = MemoryScope.open()) {
            Variable loss = p.sub(target).square().mean();
            loss.backward();
            opt.step();
        }
    }

    private static Map<String, Tensor> copyAll(Map<String, Tensor> m) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v.copy()));
        return out;
    }

    @Test void loadStateRejectsUnknownParametersAndShapes() {
        Parameter p = param(1f, 2f);
        SGD opt = new SGD(Map.of("p", p), 0.1, 0.9, 0);
        Map<String, Tensor> bad = new LinkedHashMap<>();
        bad.put("step", Tensor.ofInts(new int[]{1}));
        bad.put("momentum.q", Tensor.zeros(2));
        assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(bad));
        bad.clear();
        bad.put("step", Tensor.ofInts(new int[]{1}));
        bad.put("momentum.p", Tensor.zeros(3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(bad));
        assertTrue(e.getMessage().contains("[3]") && e.getMessage().contains("[2]"), e.getMessage());
    }
}
