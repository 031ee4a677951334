package rlhf4j.transformer.infer;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import rlhf4j.autograd.Functional;
import rlhf4j.autograd.Grad;
import rlhf4j.autograd.Variable;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.transformer.Attention;
import rlhf4j.transformer.io.RopeLayout;
import rlhf4j.transformer.llama.Rotary;

/**
 * Each fused decode kernel, on its vector and its scalar path, against the autograd ops the models train with
 * (within float tolerance: the kernels sum in another order). Sizes are odd so vector tails run too.
 */
class DecodeKernelsTest {
    static final float TOL = 2e-5f;

    static float[] random(SplittableRandom rng, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((rng.nextDouble() * 2 - 1) * scale);
        return a;
    }

    static Variable v(float[] data, int... shape) { return Variable.constant(Tensor.of(data, shape)); }

    static void assertClose(float[] expected, float[] got, float tol, String what) {
        assertEquals(expected.length, got.length, what);
        for (int i = 0; i < expected.length; i++)
            assertEquals(expected[i], got[i], tol * Math.max(1, Math.abs(expected[i])), what + " at " + i);
    }

    @ParameterizedTest @ValueSource(booleans = {true, false})
    void linearEqualsMatmulPlusBiasAndAccumulates(boolean vector) {
        SplittableRandom rng = new SplittableRandom(1);
        int rows = 5, in = 13, out = 4 * FloatVector.SPECIES_PREFERRED.length() + 11;
        float[] x = random(rng, rows * in, 1), w = random(rng, in * out, 0.5), b = random(rng, out, 0.1), y0 = random(rng, rows * out, 1);
        float[] expected;
        try (var ng = Grad.off(); var s = MemoryScope.open()) {
            expected = v(x, rows, in).matmul(v(w, in, out)).add(v(b, out)).value().toFloatArray();
        }
        DecodeLinear lin = new DecodeLinear(w, in, out, b);
        float[] y = new float[rows * out];
        lin.apply(x, y, 0, rows, false, vector);
        assertClose(expected, y, TOL, "y = xW + b");
        float[] acc = y0.clone();
        lin.apply(x, acc, 0, rows, true, vector);
        for (int i = 0; i < acc.length; i++) assertEquals(y0[i] + expected[i], acc[i], TOL * 4, "y += xW + b at " + i);
    }

    @Test void aRowGetsTheSameBitsWhateverRowsShareItsCall() {
        SplittableRandom rng = new SplittableRandom(2);
        int rows = 7, in = 64, out = 172;
        float[] x = random(rng, rows * in, 1), w = random(rng, in * out, 0.5);
        DecodeLinear lin = new DecodeLinear(w, in, out, null);
        float[] all = new float[rows * out], one = new float[rows * out];
        lin.apply(x, all, 0, rows, false, true);
        lin.apply(x, one, 3, 4, false, true);                  // row 3 alone (the one-row kernel)
        for (int o = 0; o < out; o++) assertEquals(all[3 * out + o], one[3 * out + o], 0f);
    }

    @Test void outInLayoutTransposesAPyTorchLinear() {
        float[] w = {1, 2, 3, 4, 5, 6};                         // (out 2, in 3)
        DecodeLinear lin = DecodeLinear.ofOutIn(w, 2, 3, null);
        float[] y = new float[2];
        lin.apply(new float[]{1, 0, -1}, y, 0, 1, false, false);
        assertArrayEquals(new float[]{1 - 3, 4 - 6}, y);
    }

    @ParameterizedTest @ValueSource(booleans = {true, false})
    void normsEqualTheAutogradNorms(boolean vector) {
        SplittableRandom rng = new SplittableRandom(3);
        int rows = 3, c = 37;
        float[] x = random(rng, rows * c, 2), w = random(rng, c, 1), b = random(rng, c, 0.5);
        float[] rms = new float[rows * c], ln = new float[rows * c];
        DecodeNorm.rms(w, 1e-5).apply(x, rms, 0, rows, vector);
        DecodeNorm.layer(w, b, 1e-5).apply(x, ln, 0, rows, vector);
        try (var ng = Grad.off(); var s = MemoryScope.open()) {
            assertClose(Functional.rmsNorm(v(x, rows, c), v(w, c), 1e-5).value().toFloatArray(), rms, TOL, "rmsNorm");
            assertClose(Functional.layerNorm(v(x, rows, c), v(w, c), v(b, c), 1e-5).value().toFloatArray(), ln, TOL, "layerNorm");
        }
    }

    @Test void expIsWithinAFewUlpsOfMathExpOnBothPaths() {
        int lanes = DecodeMath.S.length();
        float[] xs = new float[lanes];
        for (float x = -87f; x < 88f; x += 0.173f) {
            double e = Math.exp(x);
            assertEquals(e, DecodeMath.exp(x), 2e-7 * e, "scalar at " + x);
            java.util.Arrays.fill(xs, x);
            assertEquals(e, DecodeMath.exp(FloatVector.fromArray(DecodeMath.S, xs, 0)).lane(lanes - 1), 2e-7 * e, "vector at " + x);
        }
        assertEquals(0f, DecodeMath.exp(-1000f), 1e-37f);
    }

    @Test void expShiftedGivesTheScalarBitsZerosPastTheEndAndTheirSum() {
        int lanes = DecodeMath.S.length(), len = 3 * lanes + 5;
        float[] a = random(new SplittableRandom(7), 4 * lanes, 20), want = new float[a.length];
        for (int i = 0; i < len; i++) want[i] = DecodeMath.exp(a[i] - 1.5f);
        float sum = DecodeMath.expShifted(a, 0, len, 1.5f);
        for (int i = 0; i < a.length; i++) assertEquals(want[i], a[i], 0f, "lane " + i);   // same bits; zeros past len
        double expected = 0;
        for (float w : want) expected += w;
        assertEquals(expected, sum, 1e-6 * expected);
    }

    @ParameterizedTest @ValueSource(strings = {"INTERLEAVED", "HALF_SPLIT"})
    void ropeTableEqualsRotary(String layoutName) {
        RopeLayout layout = RopeLayout.valueOf(layoutName);
        SplittableRandom rng = new SplittableRandom(4);
        int heads = 3, hs = 8, pos = 37;
        float[] x = random(rng, heads * hs, 1);
        float[] got = x.clone();
        new RopeTable(hs, 64, 10000, layout).apply(got, 0, heads, pos);
        try (var ng = Grad.off(); var s = MemoryScope.open()) {
            Rotary rotary = new Rotary(hs, 64, 10000, layout, Device.CPU);
            Variable[] tables = rotary.tables(Tensor.ofInts(new int[]{pos}, 1, 1));
            assertClose(rotary.apply(v(x, 1, 1, heads, hs), tables).value().toFloatArray(), got, 1e-5f, layoutName);
        }
    }

    @ParameterizedTest @ValueSource(booleans = {true, false})
    void cacheAttentionEqualsCausalSelfAttentionForTheLastPosition(boolean vector) {
        for (int[] shape : new int[][]{{8, 4, 8, 37}, {4, 4, 16, 5}, {6, 2, 4, 19}, {8, 4, 8, 64}, {3, 1, 16, 33}, {4, 4, 8, 1}}) {   // heads, kv heads, head size, positions
            int nh = shape[0], nkv = shape[1], hs = shape[2], len = shape[3];
            SplittableRandom rng = new SplittableRandom(len);
            float[] q = random(rng, nh * hs, 1), k = random(rng, len * nkv * hs, 1), val = random(rng, len * nkv * hs, 1);
            StreamCache cache = new StreamCache(2, nkv, hs, len + 3);
            for (int t = 0; t < len; t++) {                                       // (pos, k | v) rows into layer 1
                float[] kv = new float[2 * nkv * hs];
                System.arraycopy(k, t * nkv * hs, kv, 0, nkv * hs);
                System.arraycopy(val, t * nkv * hs, kv, nkv * hs, nkv * hs);
                cache.write(1, t, kv, 0, nkv * hs);
            }
            float[] got = new float[nh * hs];
            new CacheAttention(nh, nkv, hs).attend(cache, 1, len, q, 0, new float[CacheAttention.scratchLength(len)], got, 0, vector);
            try (var ng = Grad.off(); var s = MemoryScope.open()) {
                Variable qv = v(q, 1, 1, nh, hs).transpose(1, 2);                       // (1, nh, 1, hs)
                Variable kv = v(k, 1, len, nkv, hs).transpose(1, 2), vv = v(val, 1, len, nkv, hs).transpose(1, 2);
                float[] expected = Attention.causalSelfAttention(qv, kv, vv, null, null).value().toFloatArray();
                assertClose(expected, got, 1e-5f, java.util.Arrays.toString(shape));
            }
        }
    }

    @ParameterizedTest @ValueSource(booleans = {true, false})
    void swiGluEqualsDownOfSiluGateTimesUp(boolean vector) {
        SplittableRandom rng = new SplittableRandom(5);
        int rows = 3, c = 16, h = 43;
        float[] x = random(rng, rows * c, 1), wg = random(rng, c * h, 0.5), wu = random(rng, c * h, 0.5), wd = random(rng, h * c, 0.3);
        float[] gateUp = new float[c * 2 * h];                                          // (in, gate | up)
        for (int i = 0; i < c; i++) {
            System.arraycopy(wg, i * h, gateUp, i * 2 * h, h);
            System.arraycopy(wu, i * h, gateUp, i * 2 * h + h, h);
        }
        SwiGluMlp mlp = new SwiGluMlp(new DecodeLinear(gateUp, c, 2 * h, null), new DecodeLinear(wd, h, c, null));
        float[] residual = random(rng, rows * c, 1), start = residual.clone();
        mlp.apply(x, new float[rows * 2 * h], new float[rows * h], residual, 0, rows, vector);
        try (var ng = Grad.off(); var s = MemoryScope.open()) {
            Variable xv = v(x, rows, c);
            float[] expected = v(start, rows, c).add(xv.matmul(v(wg, c, h)).silu().mul(xv.matmul(v(wu, c, h))).matmul(v(wd, h, c)))
                    .value().toFloatArray();
            assertClose(expected, residual, 1e-5f, "x + swiglu(x)");
        }
    }

    @ParameterizedTest @ValueSource(booleans = {true, false})
    void geluMlpEqualsProjOfGeluFc(boolean vector) {
        SplittableRandom rng = new SplittableRandom(6);
        int rows = 3, c = 12, h = 4 * c;
        float[] x = random(rng, rows * c, 1), wf = random(rng, c * h, 0.8), bf = random(rng, h, 0.5), wp = random(rng, h * c, 0.3),
                bp = random(rng, c, 0.1);
        GeluMlp mlp = new GeluMlp(new DecodeLinear(wf, c, h, bf), new DecodeLinear(wp, h, c, bp));
        float[] residual = random(rng, rows * c, 1), start = residual.clone();
        mlp.apply(x, new float[rows * h], new float[rows * h], residual, 0, rows, vector);
        try (var ng = Grad.off(); var s = MemoryScope.open()) {
            float[] expected = v(start, rows, c).add(v(x, rows, c).matmul(v(wf, c, h)).add(v(bf, h)).gelu().matmul(v(wp, h, c)).add(v(bp, c)))
                    .value().toFloatArray();
            assertClose(expected, residual, 1e-5f, "x + mlp(x)");
        }
    }
}
