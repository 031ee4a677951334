package rlhf4j.cuda;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The double-precision references the GPU tests compare against, checked here on known properties. */
class ReferencesTest {

    @Test void softmaxRowsSumToOneAndLogSoftmaxIsItsLog() {
        double[] x = {1, 2, 3, -1, 0, 1000};
        double[] y = References.softmax(x, 3, false), ly = References.softmax(x, 3, true);
        assertEquals(1, y[0] + y[1] + y[2], 1e-12);
        assertEquals(1, y[3] + y[4] + y[5], 1e-12);
        assertEquals(1, y[5], 1e-12, "stable for large inputs");
        for (int i : new int[]{0, 1, 2, 5}) assertEquals(Math.log(y[i]), ly[i], 1e-9);
        assertEquals(-1001, ly[3], 1e-9, "log-softmax stays finite where softmax underflows");
        assertEquals(Math.exp(1) / (Math.exp(1) + Math.exp(2) + Math.exp(3)), y[0], 1e-12);
    }

    @Test void layerNormWithUnitWeightHasZeroMeanUnitVariance() {
        double[] x = {1, 2, 3, 4, -5, 0, 5, 10};
        double[] mean = new double[2], rstd = new double[2];
        double[] y = References.layerNorm(x, new double[]{1, 1, 1, 1}, new double[4], 4, 0, mean, rstd);
        assertEquals(2.5, mean[0], 1e-12);
        assertEquals(1 / Math.sqrt(1.25), rstd[0], 1e-12);
        double s = 0, q = 0;
        for (int j = 4; j < 8; j++) { s += y[j]; q += y[j] * y[j]; }
        assertEquals(0, s, 1e-12);
        assertEquals(4, q, 1e-9);
    }

    @Test void rmsNormOfAConstantRowIsTheWeight() {
        double[] y = References.rmsNorm(new double[]{3, 3, 3}, new double[]{1, 2, 3}, 3, 0, null);
        assertArrayEquals(new double[]{1, 2, 3}, y, 1e-12);
    }

    @Test void crossEntropyIsMinusLogSoftmaxAtTheTarget() {
        double[] logits = {1, 2, 3, 0, 0, 0};
        double[] lse = new double[2];
        double[] loss = References.crossEntropy(logits, new int[]{2, -100}, 3, -100, lse);
        assertEquals(-References.softmax(logits, 3, true)[2], loss[0], 1e-12);
        assertEquals(0, loss[1], "ignored row");
        assertEquals(Math.log(3), lse[1], 1e-12);
    }

    @Test void centralDifferencesOfKnownFunctions() {
        double[] x = {0.5, -2, 3};
        double[] g = References.gradient(v -> new double[]{v[0] * v[0], v[1] * v[2]}, x, new double[]{2, 3});
        assertArrayEquals(new double[]{2 * 2 * 0.5, 3 * 3, 3 * -2}, g, 1e-6);
        double[] sm = {0.1, 0.7, -0.4}, dy = {1, -2, 0.5};
        double[] y = References.softmax(sm, 3, false);
        double dot = 0;
        for (int i = 0; i < 3; i++) dot += dy[i] * y[i];
        double[] fd = References.gradient(v -> References.softmax(v, 3, false), sm, dy);
        for (int i = 0; i < 3; i++) assertEquals(y[i] * (dy[i] - dot), fd[i], 1e-8, "softmax′ = y·(dy − Σdy·y)");
    }
}
