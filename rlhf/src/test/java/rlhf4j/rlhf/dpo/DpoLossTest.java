package rlhf4j.rlhf.dpo;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import rlhf4j.autograd.Variable;
import rlhf4j.rlhf.reward.PairwiseLoss;
import rlhf4j.tensor.Tensor;

/** The DPO, cDPO and IPO losses, their gradients and TRL's metrics against hand-computed values. */
class DpoLossTest {
    static final DpoConfig.Loss DPO = new DpoConfig.Loss(DpoConfig.LossType.SIGMOID, 0.5, 0.0);
    // rows 0, 1 (pair 0: 0 over 1) and 2, 3 (pair 1: 3 over 2), equal weights
    static final PairwiseLoss.Pairs PAIRS = PairwiseLoss.Pairs.uniform(new int[]{0, 3}, new int[]{1, 2});
    static final float[] REF = {-10f, -12f, -9f, -8f};
    static final float[] POL = {-9f, -12.5f, -8f, -8.5f};
    // h0 = (−9 + 10) − (−12.5 + 12) = 1.5; h1 = (−8.5 + 8) − (−8 + 9) = −1.5

    static double sigma(double x) { return 1 / (1 + Math.exp(-x)); }

    @Test void atInitialisationTheLossIsLogTwoExactly() {
        for (double beta : new double[]{0.01, 0.1, 1, 7}) {
            DpoLoss.Terms t = DpoLoss.compute(Variable.leaf(Tensor.of(REF.clone())), REF, PAIRS, new DpoConfig.Loss(DpoConfig.LossType.SIGMOID, beta, 0));
            assertEquals((float) Math.log(2), t.loss().item(), 0f, "β " + beta);
            assertArrayEquals(new float[]{0f, 0f}, t.h());
            assertEquals(new DpoLoss.Metrics(0, 0, 0, 0), t.metrics(), "ties count 0 in rewards/accuracies, as TRL counts them");
        }
    }

    @Test void lossGradientAndMetricsMatchHandValues() {
        Variable pol = Variable.leaf(Tensor.of(POL.clone()));
        DpoLoss.Terms t = DpoLoss.compute(pol, REF, PAIRS, DPO);
        assertArrayEquals(new float[]{1.5f, -1.5f}, t.h());
        // ½·[−log σ(0.75) − log σ(−0.75)] = ½·(0.3869 + 1.1369) = 0.76187
        double expected = 0.5 * (-Math.log(sigma(0.75)) - Math.log(sigma(-0.75)));
        assertEquals(0.7618710, expected, 1e-6);
        assertEquals(expected, t.loss().item(), 1e-6);
        assertEquals(expected, DpoLoss.reference(toDouble(POL), toDouble(REF), PAIRS, DPO), 1e-12);
        t.loss().backward();
        // ∂L/∂log π(y_w) = −w·β·σ(−β·h), ∂L/∂log π(y_l) = +w·β·σ(−β·h)
        float[] g = pol.grad().toFloatArray();
        double g0 = -0.5 * 0.5 * sigma(-0.75), g1 = -0.5 * 0.5 * sigma(0.75);
        assertArrayEquals(new float[]{(float) g0, (float) -g0, (float) -g1, (float) g1}, g, 1e-6f);
        // rewards: chosen ½·(0.5·1 + 0.5·(−0.5)) = 0.125, rejected ½·(0.5·(−0.5) + 0.5·1) = 0.125, one of two pairs right
        DpoLoss.Metrics m = t.metrics();
        assertEquals(0.125, m.chosen(), 1e-9);
        assertEquals(0.125, m.rejected(), 1e-9);
        assertEquals(0.0, m.margin(), 1e-9);
        assertEquals(0.5, m.accuracy(), 0);
    }

    @Test void gradientMatchesFiniteDifferencesForEveryLoss() {
        for (DpoConfig.Loss cfg : new DpoConfig.Loss[]{DPO, new DpoConfig.Loss(DpoConfig.LossType.SIGMOID, 0.3, 0.2),
                new DpoConfig.Loss(DpoConfig.LossType.IPO, 0.4, 0)}) {
            Variable pol = Variable.leaf(Tensor.of(POL.clone()));
            DpoLoss.compute(pol, REF, PAIRS, cfg).loss().backward();
            float[] g = pol.grad().toFloatArray();
            for (int i = 0; i < POL.length; i++) {
                double[] up = toDouble(POL), down = toDouble(POL);
                up[i] += 1e-5;
                down[i] -= 1e-5;
                double fd = (DpoLoss.reference(up, toDouble(REF), PAIRS, cfg) - DpoLoss.reference(down, toDouble(REF), PAIRS, cfg)) / 2e-5;
                assertEquals(fd, g[i], 1e-5, cfg + " row " + i);
            }
        }
    }

    @Test void swappingChosenAndRejectedFlipsTheMargins() {
        DpoLoss.Terms t = DpoLoss.compute(Variable.leaf(Tensor.of(POL.clone())), REF, PairwiseLoss.Pairs.uniform(new int[]{0}, new int[]{1}), DPO);
        DpoLoss.Terms s = DpoLoss.compute(Variable.leaf(Tensor.of(POL.clone())), REF, PairwiseLoss.Pairs.uniform(new int[]{1}, new int[]{0}), DPO);
        assertEquals(-t.h()[0], s.h()[0], 0f);
        assertEquals(0.75, t.metrics().margin(), 1e-9);
        assertEquals(-0.75, s.metrics().margin(), 1e-9);
        assertEquals(t.metrics().chosen(), s.metrics().rejected(), 0);
        assertEquals(1.0, t.metrics().accuracy());
        assertEquals(0.0, s.metrics().accuracy());
    }

    @Test void cdpoAndIpoHandValues() {
        // one pair, h = 1.5, β = 0.5, ε = 0.1: 0.9·softplus(−0.75) + 0.1·softplus(0.75)
        var one = PairwiseLoss.Pairs.uniform(new int[]{0}, new int[]{1});
        double cdpo = 0.9 * Math.log1p(Math.exp(-0.75)) + 0.1 * Math.log1p(Math.exp(0.75));
        assertEquals(0.4618710, cdpo, 1e-6);
        assertEquals(cdpo, DpoLoss.compute(Variable.leaf(Tensor.of(POL.clone())), REF, one,
                new DpoConfig.Loss(DpoConfig.LossType.SIGMOID, 0.5, 0.1)).loss().item(), 1e-6);
        // IPO: (h − 1/(2β))² = (1.5 − 1)² = 0.25; at h = 0 it is 1/(4β²) = 1
        assertEquals(0.25, DpoLoss.compute(Variable.leaf(Tensor.of(POL.clone())), REF, one,
                new DpoConfig.Loss(DpoConfig.LossType.IPO, 0.5, 0)).loss().item(), 1e-6);
        assertEquals(1.0, DpoLoss.compute(Variable.leaf(Tensor.of(REF.clone())), REF, one,
                new DpoConfig.Loss(DpoConfig.LossType.IPO, 0.5, 0)).loss().item(), 1e-6);
    }

    @Test void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new DpoConfig.Loss(DpoConfig.LossType.SIGMOID, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new DpoConfig.Loss(DpoConfig.LossType.SIGMOID, 0.1, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new DpoConfig.Loss(DpoConfig.LossType.IPO, 0.1, 0.1));
        assertEquals("loss type 'kto': expected sigmoid or ipo",
                assertThrows(IllegalArgumentException.class, () -> DpoConfig.LossType.parse("kto")).getMessage());
    }

    static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) d[i] = x[i];
        return d;
    }
}
