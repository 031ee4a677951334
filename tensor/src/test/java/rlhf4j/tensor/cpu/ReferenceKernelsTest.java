package rlhf4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import rlhf4j.tensor.Backend;
import rlhf4j.tensor.Backends;
import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.DType;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.Tensor;

/** The fused kernels through the CPU backend, against values worked out by hand. */
class ReferenceKernelsTest {
    static final Backend CPU = Backends.cpu();
    static final float LN2 = (float) Math.log(2), LN3 = (float) Math.log(3), LN4 = (float) Math.log(4);

    static void close(float[] expected, Tensor actual, double tol) {
        float[] a = actual.toFloatArray();
        assertEquals(expected.length, a.length, "length");
        for (int i = 0; i < a.length; i++)
            assertEquals(expected[i], a[i], tol * Math.max(1, Math.abs(expected[i])), "element " + i);
    }

    @Test void softmaxOfLogsOfOneToFourIsTenths() {
        // e^(ln k) = k, so softmax(ln 1, ln 2, ln 3, ln 4) = k / 10; a row of 1000s must not overflow (stability)
        Tensor x = Tensor.of(new float[]{0, LN2, LN3, LN4, 1000, 1000, 1000, 1000}, 2, 4);
        Tensor y = x.emptyLike();
        CPU.softmax(x, y, false);
        close(new float[]{.1f, .2f, .3f, .4f, .25f, .25f, .25f, .25f}, y, 1e-6);
        CPU.softmax(x, y, true);
        float[] logs = {(float) Math.log(.1), (float) Math.log(.2), (float) Math.log(.3), (float) Math.log(.4)};
        close(new float[]{logs[0], logs[1], logs[2], logs[3], -LN4, -LN4, -LN4, -LN4}, y, 1e-6);
    }

    @Test void softmaxOfTransposedViewAndNaN() {
        // columns of a (4, 2) tensor become rows of its transpose, read without a copy by the caller
        Tensor x = Tensor.of(new float[]{0, 5, LN2, 5, LN3, Float.NaN, LN4, 5}, 4, 2).mT();
        Tensor y = Tensor.empty(2, 4);
        CPU.softmax(x, y, false);
        float[] v = y.toFloatArray();
        assertArrayEquals(new float[]{.1f, .2f, .3f, .4f}, java.util.Arrays.copyOf(v, 4), 1e-6f);
        for (int j = 4; j < 8; j++) assertTrue(Float.isNaN(v[j]), "NaN spreads over its row, element " + j);
    }

    @Test void softmaxBackwardByHand() {
        Tensor y = Tensor.of(.1f, .2f, .3f, .4f);
        Tensor dy = Tensor.of(1, 0, 0, 0);
        Tensor dx = y.emptyLike();
        // dx = y (dy − Σ dy·y) = y (dy − 0.1)
        CPU.softmaxBackward(y, dy, dx, false);
        close(new float[]{.09f, -.02f, -.03f, -.04f}, dx, 1e-6);
        // log-softmax: dx = dy − e^y Σ dy with e^y = the probabilities
        Tensor logY = Tensor.of((float) Math.log(.1), (float) Math.log(.2), (float) Math.log(.3), (float) Math.log(.4));
        CPU.softmaxBackward(logY, dy, dx, true);
        close(new float[]{.9f, -.2f, -.3f, -.4f}, dx, 1e-6);
    }

    @Test void layerNormByHand() {
        // x = 1..4: mean 2.5, biased variance 1.25, rstd = 1/√1.25; n = (−1.5, −.5, .5, 1.5)·rstd
        Tensor x = Tensor.of(new float[]{1, 2, 3, 4}, 1, 4);
        Tensor w = Tensor.of(1, 2, 1, 1), b = Tensor.of(0, 0, 1, -1);
        Tensor out = x.emptyLike(), mean = Tensor.empty(1), rstd = Tensor.empty(1);
        CPU.layerNorm(x, w, b, 0f, out, mean, rstd);
        float r = (float) (1 / Math.sqrt(1.25));
        assertEquals(2.5f, mean.get(0), 1e-7);
        assertEquals(r, rstd.get(0), 1e-7);
        close(new float[]{-1.5f * r, 2 * -.5f * r, .5f * r + 1, 1.5f * r - 1}, out, 1e-6);

        // dy = e0, w = 1: dn = e0, mean(dn) = 1/4, mean(dn·n) = n0/4, dx = rstd (dn − 1/4 − n·n0/4)
        // n·n0/4 = (.45, .15, −.15, −.45), so dx = rstd·(.3, −.4, −.1, .2)
        Tensor dy = Tensor.of(new float[]{1, 0, 0, 0}, 1, 4);
        Tensor dx = x.emptyLike(), dw = Tensor.ones(4), db = Tensor.ones(4);
        CPU.layerNormBackward(dy, x, Tensor.ones(4), mean, rstd, dx, dw, db);
        close(new float[]{.3f * r, -.4f * r, -.1f * r, .2f * r}, dx, 1e-6);
        close(new float[]{1 - 1.5f * r, 1, 1, 1}, dw, 1e-6);   // accumulated onto the ones
        close(new float[]{2, 1, 1, 1}, db, 1e-6);
    }

    @Test void rmsNormByHand() {
        // mean(x²) = 30/4 = 7.5, rstd = 1/√7.5
        Tensor x = Tensor.of(new float[]{1, 2, 3, 4}, 1, 4);
        Tensor out = x.emptyLike(), rstd = Tensor.empty(1);
        CPU.rmsNorm(x, Tensor.of(1, 1, 1, 2), 0f, out, rstd);
        float r = (float) (1 / Math.sqrt(7.5));
        assertEquals(r, rstd.get(0), 1e-7);
        close(new float[]{r, 2 * r, 3 * r, 8 * r}, out, 1e-6);
        // dy = e0, w = 1: dx = rstd (e0 − n·n0/4) = rstd (e0 − x/30)
        Tensor dx = x.emptyLike(), dw = Tensor.zeros(4);
        CPU.rmsNormBackward(Tensor.of(new float[]{1, 0, 0, 0}, 1, 4), x, Tensor.ones(4), rstd, dx, dw);
        close(new float[]{29f / 30 * r, -2f / 30 * r, -3f / 30 * r, -4f / 30 * r}, dx, 1e-6);
        close(new float[]{r, 0, 0, 0}, dw, 1e-6);
    }

    @Test void embeddingGathersRowsAndScatterAddsGradients() {
        Tensor w = Tensor.of(new float[]{0, 1, 10, 11, 20, 21}, 3, 2);
        Tensor ids = Tensor.ofInts(new int[]{2, 0, 2, 1}, 2, 2);
        Tensor out = Tensor.empty(2, 2, 2);
        CPU.embedding(w, ids, out);
        assertArrayEquals(new float[]{20, 21, 0, 1, 20, 21, 10, 11}, out.toFloatArray());
        Tensor dw = Tensor.ones(3, 2);
        CPU.embeddingBackward(Tensor.of(new float[]{1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2), ids, dw);
        // row 2 gets (1,2) + (5,6), row 0 gets (3,4), row 1 gets (7,8), all on top of the ones
        assertArrayEquals(new float[]{4, 5, 8, 9, 7, 9}, dw.toFloatArray());
    }

    @Test void embeddingRejectsOutOfRangeIdsNamingIdAndVocab() {
        Tensor w = Tensor.zeros(3, 2);
        Tensor ids = Tensor.ofInts(new int[]{0, 7}, 2);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> CPU.embedding(w, ids, Tensor.empty(2, 2)));
        assertTrue(e.getMessage().contains("7") && e.getMessage().contains("size 3"), e.getMessage());
        e = assertThrows(IndexOutOfBoundsException.class,
                () -> CPU.embedding(w, Tensor.ofInts(new int[]{-1}, 1), Tensor.empty(1, 2)));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
    }

    @Test void crossEntropyByHandWithIgnoredRow() {
        int ignore = -100;
        Tensor logits = Tensor.of(new float[]{
                0, LN2, LN3, LN4,               // probabilities .1 .2 .3 .4, target 3
                5, -3, 2, 7,                    // ignored
                1000, 1000, 1000, 1000},        // uniform, huge: must not overflow
                3, 4);
        Tensor targets = Tensor.ofInts(new int[]{3, ignore, 0}, 3);
        Tensor losses = Tensor.empty(3), lse = Tensor.empty(3);
        CPU.crossEntropy(logits, targets, ignore, losses, lse);
        close(new float[]{(float) -Math.log(.4), 0}, losses.narrow(0, 0, 2), 1e-6);
        assertEquals(LN4, losses.get(2), 1e-4);   // lse = 1000 + ln 4 is rounded to a float ulp of 6e-5
        assertEquals((float) Math.log(10), lse.get(0), 1e-6);
        assertEquals(1000 + LN4, lse.get(2), 1e-4);

        Tensor dlogits = Tensor.full(99, 3, 4);
        CPU.crossEntropyBackward(logits, targets, ignore, lse, Tensor.of(2, 5, 1), dlogits);
        // dloss · (p − onehot): 2·(.1, .2, .3, −.6) and (−.75, .25, .25, .25); the ignored row is all zero
        close(new float[]{.2f, .4f, .6f, -1.2f, 0, 0, 0, 0, -.75f, .25f, .25f, .25f}, dlogits, 1e-6);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> CPU.crossEntropy(logits, Tensor.ofInts(new int[]{0, 4, 0}, 3), ignore, losses, lse));
        assertTrue(e.getMessage().contains("target 4") && e.getMessage().contains("size 4"), e.getMessage());
    }

    @Test void causalMaskHidesTheFuture() {
        Tensor x = Tensor.of(new float[]{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 3, 3);
        Tensor out = x.emptyLike();
        float ninf = Float.NEGATIVE_INFINITY;
        CPU.causalMask(x, 0, ninf, out);
        assertArrayEquals(new float[]{1, ninf, ninf, 4, 5, ninf, 7, 8, 9}, out.toFloatArray());
        // two new queries over three keys (one cached): offset 1
        Tensor y = Tensor.of(new float[]{1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor out2 = y.emptyLike();
        CPU.causalMask(y, 1, -7, out2);
        assertArrayEquals(new float[]{1, 2, -7, 4, 5, 6}, out2.toFloatArray());
        CPU.causalMask(x, 0, 0, x);   // in place
        assertArrayEquals(new float[]{1, 0, 0, 4, 5, 0, 7, 8, 9}, x.toFloatArray());
    }

    @Test void dropoutMaskFollowsTheCounterRng() {
        float p = .25f;
        Tensor x = Tensor.of(new float[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 2, 5);
        Tensor out = x.emptyLike(), mask = x.emptyLike();
        CPU.dropout(x, p, 42, out, mask);
        float[] m = mask.toFloatArray(), o = out.toFloatArray();
        for (int i = 0; i < 10; i++) {
            float expected = CounterRng.uniform(42, i) >= p ? 1 / .75f : 0f;
            assertEquals(expected, m[i], "mask element " + i);
            assertEquals((i + 1) * expected, o[i], 1e-6, "out element " + i);
        }
    }

    @Test void gatherAndScatterAddAlongADim() {
        Tensor x = Tensor.of(new float[]{1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor idx = Tensor.ofInts(new int[]{2, 0, 1, 1}, 2, 2);
        Tensor out = Tensor.empty(2, 2);
        CPU.gather(x, 1, idx, out);
        assertArrayEquals(new float[]{3, 1, 5, 5}, out.toFloatArray());
        Tensor out0 = Tensor.empty(1, 3);
        CPU.gather(x, 0, Tensor.ofInts(new int[]{1, 0, 1}, 1, 3), out0);
        assertArrayEquals(new float[]{4, 2, 6}, out0.toFloatArray());
        // a transposed source: xᵀ is (3, 2) = [[1, 4], [2, 5], [3, 6]]
        Tensor outT = Tensor.empty(3, 1);
        CPU.gather(x.mT(), 1, Tensor.ofInts(new int[]{1, 0, 1}, 3, 1), outT);
        assertArrayEquals(new float[]{4, 2, 6}, outT.toFloatArray());

        Tensor dx = Tensor.zeros(2, 3);
        CPU.scatterAdd(Tensor.of(new float[]{1, 2, 3, 4}, 2, 2), 1, idx, dx);
        assertArrayEquals(new float[]{2, 0, 1, 0, 7, 0}, dx.toFloatArray());
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> CPU.gather(x, 1, Tensor.ofInts(new int[]{3}, 1, 1), Tensor.empty(1, 1)));
        assertTrue(e.getMessage().contains("index 3") && e.getMessage().contains("size 3"), e.getMessage());
    }

    @Test void adamWTwoStepsByHand() {
        Tensor p = Tensor.of(1f), m = Tensor.zeros(1), v = Tensor.zeros(1);
        // step 1, g = .5: m = .05, v = .00025, m̂ = .5, v̂ = .25, p = 1 − .1·(.5/(.5 + 1e-8) + .01·1) ≈ .899
        CPU.adamW(p, Tensor.of(.5f), m, v, .1f, .9f, .999f, 1e-8f, .01f, 1);
        assertEquals(.05f, m.get(0), 1e-7);
        assertEquals(.00025f, v.get(0), 1e-8);   // 1 − .999f is 1.00005e-3 in float
        assertEquals(.899f, p.get(0), 1e-6);
        // step 2, g = −.5: m = −.005, v = .00049975, m̂ = −.005/.19, v̂ = .00049975/.001999 = .25
        CPU.adamW(p, Tensor.of(-.5f), m, v, .1f, .9f, .999f, 1e-8f, .01f, 2);
        assertEquals(-.005f, m.get(0), 1e-8);   // cancellation: .045 − .05
        assertEquals(.00049975f, v.get(0), 2e-8);
        assertEquals(.899 - .1 * (-.005 / .19 / .5 + .01 * .899), p.get(0), 1e-6);
    }

    @Test void badShapesAreRejectedWithTheShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CPU.layerNorm(Tensor.zeros(2, 4), Tensor.ones(3), Tensor.zeros(4), 1e-5f,
                        Tensor.empty(2, 4), Tensor.empty(2), Tensor.empty(2)));
        assertTrue(e.getMessage().contains("weight") && e.getMessage().contains("[3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> CPU.softmax(Tensor.zeros(2, 4), Tensor.empty(4, 2).mT(), false));
        assertThrows(IllegalArgumentException.class,
                () -> CPU.embedding(Tensor.zeros(3, 2), Tensor.zeros(DType.F32, Device.CPU, 2), Tensor.empty(2, 2)));
    }

    // ---- finite differences: every backward formula against its own forward pass ---------------------------

    /** L(x) = Σ r·f(x) for a fixed random r, so dL/df = r is the upstream gradient fed to backward. */
    interface Forward { float[] apply(float[] x); }

    static double project(float[] out, float[] r) {
        double s = 0;
        for (int i = 0; i < out.length; i++) s += (double) out[i] * r[i];
        return s;
    }

    /** Central differences of L at every element of x (modified in place and restored). */
    static double[] numericGradient(Forward f, float[] x, float[] r) {
        float h = 1e-2f;
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            float saved = x[i];
            x[i] = saved + h;
            double up = project(f.apply(x), r);
            x[i] = saved - h;
            double down = project(f.apply(x), r);
            x[i] = saved;
            g[i] = (up - down) / (2 * h);
        }
        return g;
    }

    static void assertGradient(double[] numeric, float[] analytic, String what) {
        for (int i = 0; i < numeric.length; i++)
            assertEquals(numeric[i], analytic[i], 2e-3 + 1e-2 * Math.abs(numeric[i]), what + " element " + i);
    }

    static float[] random(long seed, int n) {
        java.util.Random r = new java.util.Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    @Test void softmaxBackwardMatchesFiniteDifferences() {
        int n = 3, c = 5;
        for (boolean log : new boolean[]{false, true}) {
            float[] x = random(1, n * c), r = random(2, n * c);
            Forward f = xs -> {
                float[] y = new float[n * c];
                ReferenceKernels.softmaxForward(FloatPtr.of(y), FloatPtr.of(xs), n, c, log);
                return y;
            };
            float[] dx = new float[n * c];
            ReferenceKernels.softmaxBackward(FloatPtr.of(dx), FloatPtr.of(f.apply(x)), FloatPtr.of(r), n, c, log);
            assertGradient(numericGradient(f, x, r), dx, "softmax log=" + log);
        }
    }

    @Test void layerNormAndRmsNormBackwardMatchFiniteDifferences() {
        int n = 3, c = 6;
        float[] x = random(1, n * c), w = random(2, c), b = random(3, c), r = random(4, n * c);
        float[] mean = new float[n], rstd = new float[n];
        Forward byX = xs -> {
            float[] y = new float[n * c];
            ReferenceKernels.layerNormForward(FloatPtr.of(y), FloatPtr.of(mean), FloatPtr.of(rstd), FloatPtr.of(xs),
                    FloatPtr.of(w), FloatPtr.of(b), n, c, 1e-5f);
            return y;
        };
        Forward byW = ws -> {
            float[] y = new float[n * c];
            ReferenceKernels.layerNormForward(FloatPtr.of(y), FloatPtr.of(new float[n]), FloatPtr.of(new float[n]),
                    FloatPtr.of(x), FloatPtr.of(ws), FloatPtr.of(b), n, c, 1e-5f);
            return y;
        };
        Forward byB = bs -> {
            float[] y = new float[n * c];
            ReferenceKernels.layerNormForward(FloatPtr.of(y), FloatPtr.of(new float[n]), FloatPtr.of(new float[n]),
                    FloatPtr.of(x), FloatPtr.of(w), FloatPtr.of(bs), n, c, 1e-5f);
            return y;
        };
        byX.apply(x);   // fills mean and rstd at the unperturbed x
        float[] dx = new float[n * c], dw = new float[c], db = new float[c];
        ReferenceKernels.layerNormBackward(FloatPtr.of(dx), FloatPtr.of(dw), FloatPtr.of(db), FloatPtr.of(r),
                FloatPtr.of(x), FloatPtr.of(w), FloatPtr.of(mean.clone()), FloatPtr.of(rstd.clone()), n, c);
        assertGradient(numericGradient(byX, x, r), dx, "layerNorm dx");
        assertGradient(numericGradient(byW, w, r), dw, "layerNorm dweight");
        assertGradient(numericGradient(byB, b, r), db, "layerNorm dbias");

        float[] rs = new float[n];
        Forward rmsX = xs -> {
            float[] y = new float[n * c];
            ReferenceKernels.rmsNormForward(FloatPtr.of(y), FloatPtr.of(rs), FloatPtr.of(xs), FloatPtr.of(w), n, c, 1e-6f);
            return y;
        };
        Forward rmsW = ws -> {
            float[] y = new float[n * c];
            ReferenceKernels.rmsNormForward(FloatPtr.of(y), FloatPtr.of(new float[n]), FloatPtr.of(x), FloatPtr.of(ws), n, c, 1e-6f);
            return y;
        };
        rmsX.apply(x);
        float[] rdx = new float[n * c], rdw = new float[c];
        ReferenceKernels.rmsNormBackward(FloatPtr.of(rdx), FloatPtr.of(rdw), FloatPtr.of(r), FloatPtr.of(x), FloatPtr.of(w),
                FloatPtr.of(rs.clone()), n, c);
        assertGradient(numericGradient(rmsX, x, r), rdx, "rmsNorm dx");
        assertGradient(numericGradient(rmsW, w, r), rdw, "rmsNorm dweight");
    }

    @Test void crossEntropyBackwardMatchesFiniteDifferences() {
        int n = 4, v = 7, ignore = -1;
        int[] t = {3, ignore, 0, 6};
        float[] x = random(1, n * v), dl = random(2, n);
        Forward f = xs -> {
            float[] losses = new float[n];
            ReferenceKernels.crossEntropyForward(FloatPtr.of(losses), FloatPtr.of(new float[n]), FloatPtr.of(xs),
                    IntPtr.of(t), ignore, n, v);
            return losses;
        };
        float[] lse = new float[n];
        ReferenceKernels.crossEntropyForward(FloatPtr.of(new float[n]), FloatPtr.of(lse), FloatPtr.of(x), IntPtr.of(t),
                ignore, n, v);
        float[] dx = new float[n * v];
        ReferenceKernels.crossEntropyBackward(FloatPtr.of(dx), FloatPtr.of(x), IntPtr.of(t), FloatPtr.of(lse),
                FloatPtr.of(dl), ignore, n, v);
        assertGradient(numericGradient(f, x, dl), dx, "cross-entropy dlogits");
    }
}
