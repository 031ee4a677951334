package rlhf4j.rlhf.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import rlhf4j.autograd.Parameter;
import rlhf4j.autograd.Variable;
import rlhf4j.tensor.Tensor;

class GrpoLossTest {
    @Test void k3HandValues() {
        assertEquals(0.0, GrpoLoss.k3(Math.log(0.3), Math.log(0.3)), 0, "zero where π = π_ref");
        // π = 0.5, π_ref = 0.25: d = log 0.5, k3 = 0.5 + log 2 − 1
        assertEquals(0.5 + Math.log(2) - 1, GrpoLoss.k3(Math.log(0.5), Math.log(0.25)), 1e-12);
        // π = 0.25, π_ref = 0.5: d = log 2, k3 = 2 − log 2 − 1
        assertEquals(1 - Math.log(2), GrpoLoss.k3(Math.log(0.25), Math.log(0.5)), 1e-12);
    }

    @Test void weightsAverageEachCompletionOrUseTheFixedLength() {
        int[] lengths = {2, 1};
        assertArrayEquals(new float[]{0.25f, 0.25f, 0, 0.5f, 0, 0}, GrpoLoss.weights(lengths, 3, true, 4));
        assertArrayEquals(new float[]{0.125f, 0.125f, 0, 0.125f, 0, 0}, GrpoLoss.weights(lengths, 3, false, 4));
    }

    /** Two completions (lengths 2 and 1, N = 2) against a hand computation of L and its gradient. */
    @Test void lossAndGradientMatchHandValues() {
        float[] lp = {-1.0f, -2.0f, -0.5f, 0f}, old = {-1.1f, -1.9f, -0.5f, 0f}, ref = {-1.2f, -1.5f, -0.7f, 0f};
        float[] mask = {1, 1, 1, 0}, adv = {2, 2, -1, 0};
        float[] w = GrpoLoss.weights(new int[]{2, 1}, 2, true, 2);
        double beta = 0.1, eps = 0.2;
        var targets = new GrpoLoss.Targets(Tensor.of(mask, 2, 2), Tensor.of(w, 2, 2), Tensor.of(old, 2, 2), Tensor.of(ref, 2, 2),
                Tensor.of(adv, 2, 2));
        Parameter p = new Parameter(Tensor.of(lp.clone(), 2, 2));
        GrpoLoss.Terms t = GrpoLoss.compute(p, targets, new GrpoConfig.Objective(Baseline.GRPO, eps, beta, 1e-4));
        double expected = 0;
        double[] grad = new double[4];
        for (int i = 0; i < 4; i++) {
            if (mask[i] == 0) continue;
            double rho = Math.exp(lp[i] - old[i]), a = adv[i], clipped = Math.max(1 - eps, Math.min(1 + eps, rho));
            double surr = Math.max(-a * rho, -a * clipped);
            expected += w[i] * (surr + beta * GrpoLoss.k3(lp[i], ref[i]));
            boolean clipActive = -a * clipped > -a * rho;                      // the clipped branch has no gradient
            double dSurr = clipActive ? 0 : -a * rho, d = ref[i] - lp[i];
            grad[i] = w[i] * (dSurr + beta * (1 - Math.exp(d)));
        }
        assertEquals(expected, t.total().item(), 1e-6);
        t.total().backward();
        float[] g = p.grad().toFloatArray();
        for (int i = 0; i < 4; i++) assertEquals(grad[i], g[i], 1e-6, "∂L/∂log π at " + i);
    }

    @Test void zeroAdvantageAtTheReferenceHasZeroGradient() {
        float[] lp = {-1.0f, -2.0f}, zeros = {0, 0};
        var targets = new GrpoLoss.Targets(Tensor.of(new float[]{1, 1}, 1, 2), Tensor.of(new float[]{0.5f, 0.5f}, 1, 2),
                Tensor.of(lp.clone(), 1, 2), Tensor.of(lp.clone(), 1, 2), Tensor.of(zeros, 1, 2));
        Parameter p = new Parameter(Tensor.of(lp.clone(), 1, 2));
        Variable total = GrpoLoss.compute(p, targets, new GrpoConfig.Objective(Baseline.RLOO, 0.2, 0.5, 1e-4)).total();
        assertEquals(0.0, total.item(), 0);
        total.backward();
        for (float g : p.grad().toFloatArray()) assertEquals(0.0, g, 0.0);
    }
}
