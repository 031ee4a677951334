package rlhf4j.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rlhf4j.autograd.TestData.randn;

import org.junit.jupiter.api.Test;
import rlhf4j.tensor.Tensor;

/** Values (against naive host references) and finite-difference gradients of the fused NN ops. */
class NnGradientTest {
    private final GradCheck check = GradCheck.standard();

    // ---- softmax -------------------------------------------------------------------------------------------

    @Test void softmaxValuesAndGradients() {
        Tensor x = randn(1, 2, 5);
        float[] y = Variable.constant(x).softmax().value().toFloatArray();
        float[] lv = Variable.constant(x).logSoftmax().value().toFloatArray();
        float[] xv = x.toFloatArray();
        for (int r = 0; r < 2; r++) {
            double z = 0;
            for (int j = 0; j < 5; j++) z += Math.exp(xv[r * 5 + j]);
            for (int j = 0; j < 5; j++) {
                assertEquals(Math.exp(xv[r * 5 + j]) / z, y[r * 5 + j], 1e-6);
                assertEquals(xv[r * 5 + j] - Math.log(z), lv[r * 5 + j], 1e-5);
            }
        }
        check.check("softmax", v -> v[0].softmax(), x);
        check.check("logSoftmax", v -> v[0].logSoftmax(), x);
        check.check("softmax of transposed", v -> v[0].softmax(), randn(2, 5, 3).transpose(0, 1));
        check.check("logSoftmax 3d", v -> v[0].logSoftmax(), randn(3, 2, 3, 4));
    }

    // ---- norms ---------------------------------------------------------------------------------------------

    @Test void layerNormValuesAndGradients() {
        Tensor x = randn(11, 3, 6), w = randn(12, 6), b = randn(13, 6);
        float[] y = Functional.layerNorm(Variable.constant(x), Variable.constant(w), Variable.constant(b), 1e-5)
                .value().toFloatArray();
        float[] xv = x.toFloatArray(), wv = w.toFloatArray(), bv = b.toFloatArray();
        for (int r = 0; r < 3; r++) {
            double mean = 0, var = 0;
            for (int j = 0; j < 6; j++) mean += xv[r * 6 + j] / 6.0;
            for (int j = 0; j < 6; j++) var += Math.pow(xv[r * 6 + j] - mean, 2) / 6.0;
            for (int j = 0; j < 6; j++)
                assertEquals((xv[r * 6 + j] - mean) / Math.sqrt(var + 1e-5) * wv[j] + bv[j], y[r * 6 + j], 1e-5);
        }
        check.check("layerNorm", v -> Functional.layerNorm(v[0], v[1], v[2], 1e-5), x, w, b);
        check.check("layerNorm 3d, transposed x", v -> Functional.layerNorm(v[0], v[1], v[2], 1e-5),
                randn(14, 2, 6, 3).transpose(1, 2), w, b);
        check.check("layerNorm no bias", v -> Functional.layerNorm(v[0], v[1], null, 1e-5), x, w);
    }

    @Test void rmsNormValuesAndGradients() {
        Tensor x = randn(21, 3, 6), w = randn(22, 6);
        float[] y = Functional.rmsNorm(Variable.constant(x), Variable.constant(w), 1e-6).value().toFloatArray();
        float[] xv = x.toFloatArray(), wv = w.toFloatArray();
        for (int r = 0; r < 3; r++) {
            double ms = 0;
            for (int j = 0; j < 6; j++) ms += xv[r * 6 + j] * xv[r * 6 + j] / 6.0;
            for (int j = 0; j < 6; j++) assertEquals(xv[r * 6 + j] / Math.sqrt(ms + 1e-6) * wv[j], y[r * 6 + j], 1e-5);
        }
        check.check("rmsNorm", v -> Functional.rmsNorm(v[0], v[1], 1e-6), x, w);
        check.check("rmsNorm narrowed x", v -> Functional.rmsNorm(v[0], v[1], 1e-6), randn(23, 2, 3, 9).narrow(2, 1, 6), w);
    }

    @Test void normWeightGradientsAccumulateIntoTheLeafBuffer() {
        Variable w = Variable.leaf(Tensor.ones(4));
        Variable x = Variable.constant(randn(24, 2, 4));
        Functional.rmsNorm(x, w, 1e-6).sum().backward();
        float[] once = w.grad().toFloatArray();
        Tensor buffer = w.grad();
        Functional.rmsNorm(x, w, 1e-6).sum().backward();
        assertSame(buffer, w.grad());
        for (int i = 0; i < 4; i++) assertEquals(2 * once[i], w.grad().toFloatArray()[i], 1e-5);
    }

    // ---- embedding -----------------------------------------------------------------------------------------

    @Test void embeddingValuesAndGradient() {
        Tensor weight = randn(31, 5, 3);
        Tensor ids = Tensor.ofInts(new int[]{4, 0, 4, 2}, 2, 2);          // id 4 twice: its gradient adds up
        Variable y = Functional.embedding(Variable.constant(weight), ids);
        assertArrayEquals(new int[]{2, 2, 3}, y.shape());
        for (int c = 0; c < 3; c++) {
            assertEquals(weight.get(4, c), y.value().get(0, 0, c));
            assertEquals(weight.get(2, c), y.value().get(1, 1, c));
        }
        check.check("embedding", v -> Functional.embedding(v[0], ids), weight);
    }

    // ---- cross-entropy -------------------------------------------------------------------------------------

    @Test void crossEntropyMeansOverNonIgnoredRows() {
        Tensor logits = randn(41, 4, 5);
        Tensor targets = Tensor.ofInts(new int[]{1, -100, 3, 0}, 4);
        float loss = Functional.crossEntropy(Variable.constant(logits), targets, -100).item();
        float[] lv = logits.toFloatArray();
        int[] t = {1, -100, 3, 0};
        double sum = 0;
        for (int r = 0; r < 4; r++) {
            if (t[r] == -100) continue;
            double z = 0;
            for (int j = 0; j < 5; j++) z += Math.exp(lv[r * 5 + j]);
            sum += Math.log(z) - lv[r * 5 + t[r]];
        }
        assertEquals(sum / 3, loss, 1e-5, "mean over the 3 kept rows");
        check.check("crossEntropy", v -> Functional.crossEntropy(v[0], targets, -100), logits);
        Tensor targets3d = Tensor.ofInts(new int[]{1, 2, -1, 0, 4, -1}, 2, 3);
        check.check("crossEntropy (B, T, V), transposed", v -> Functional.crossEntropy(v[0], targets3d, -1),
                randn(42, 3, 2, 5).transpose(0, 1));
    }

    @Test void crossEntropyWithEveryRowIgnoredIsZero() {
        Variable logits = Variable.leaf(randn(43, 2, 3));
        Variable loss = Functional.crossEntropy(logits, Tensor.ofInts(new int[]{-1, -1}, 2), -1);
        assertEquals(0f, loss.item());
        loss.backward();
        assertArrayEquals(new float[6], logits.grad().toFloatArray());
    }

    // ---- masks, dropout, gather ----------------------------------------------------------------------------

    @Test void causalMaskValuesAndGradients() {
        Tensor x = randn(51, 2, 3, 3);
        Tensor y = Functional.causalMask(Variable.constant(x), 0, -7).value();
        for (int b = 0; b < 2; b++)
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                    assertEquals(j > i ? -7f : x.get(b, i, j), y.get(b, i, j));
        check.check("causalMask", v -> Functional.causalMask(v[0], 0, -7), x);
        check.check("causalMask offset 1", v -> Functional.causalMask(v[0], 1, 0), randn(52, 2, 4));
        check.check("masked softmax", v -> Functional.causalMask(v[0]).softmax(), x);
    }

    @Test void dropoutIsSeededAndIdentityWhenOff() {
        Tensor x = Tensor.ones(1000);
        float[] a = Functional.dropout(Variable.constant(x), 0.25, 7, true).value().toFloatArray();
        float[] b = Functional.dropout(Variable.constant(x), 0.25, 7, true).value().toFloatArray();
        assertArrayEquals(a, b, "same seed, same mask");
        int kept = 0;
        for (float v : a) {
            assertTrue(v == 0f || Math.abs(v - 1 / 0.75f) < 1e-6, "inverted dropout scales kept values by 1/(1-p)");
            if (v != 0) kept++;
        }
        assertEquals(750, kept, 60);
        Variable c = Variable.constant(x);
        assertSame(c, Functional.dropout(c, 0.25, 7, false), "eval: identity");
        assertSame(c, Functional.dropout(c, 0.0, 7, true), "p = 0: identity");
        check.check("dropout", v -> Functional.dropout(v[0], 0.5, 11, true), randn(53, 3, 4));
    }

    @Test void gatherValuesAndGradient() {
        Tensor x = randn(61, 2, 4);
        Tensor index = Tensor.ofInts(new int[]{3, 3, 0, 1, 2, 2}, 2, 3);   // repeated picks: gradients add
        Tensor y = Variable.constant(x).gather(1, index).value();
        int[] iv = index.toIntArray();
        for (int r = 0; r < 2; r++)
            for (int j = 0; j < 3; j++) assertEquals(x.get(r, iv[r * 3 + j]), y.get(r, j));
        check.check("gather dim 1", v -> v[0].gather(1, index), x);
        Tensor index0 = Tensor.ofInts(new int[]{1, 0, 0, 1}, 1, 4);
        check.check("gather dim 0", v -> v[0].gather(0, index0), x);
        // PPO's use: log-probs of chosen tokens
        Tensor tokens = Tensor.ofInts(new int[]{2, 0}, 2, 1);
        check.check("logSoftmax then gather", v -> v[0].logSoftmax().gather(-1, tokens).squeeze(-1), x);
    }
}
