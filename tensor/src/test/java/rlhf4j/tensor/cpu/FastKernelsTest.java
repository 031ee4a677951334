package rlhf4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import rlhf4j.tensor.Backend;
import rlhf4j.tensor.Backends;
import rlhf4j.tensor.BinaryOp;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.ReduceOp;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.UnaryOp;

/**
 * Each vectorised, parallel kernel against its scalar reference on random inputs: lengths that leave vector
 * tails, row counts big enough to be split over threads, and strided (non-contiguous) inputs.
 */
class FastKernelsTest {
    static final Backend CPU = Backends.cpu();

    /** Row lengths around the vector width, a GPT-2 width plus a tail, and one long odd row. */
    static final int[] WIDTHS = {1, 7, 15, 16, 17, 33, 771, 5001};

    static float[] randn(long seed, int n, float scale) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian() * scale;
        return a;
    }

    static int rowsFor(int c) { return c > 1000 ? 9 : 37; }   // 37 × 771 × 3 is past Parallel.GRAIN

    /** |actual − expected| ≤ rel·|expected| + abs, element by element, with the failing index in the message. */
    static void assertClose(float[] expected, float[] actual, double rel, double abs, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i], a = actual[i];
            if (Float.isNaN(e) || Float.isNaN(a)) {
                assertEquals(Float.isNaN(e), Float.isNaN(a), what + ": NaN mismatch at " + i + " (" + e + " vs " + a + ")");
                continue;
            }
            if (e == a) continue;   // also covers equal infinities
            assertTrue(Math.abs(a - e) <= rel * Math.abs(e) + abs,
                    what + ": element " + i + " expected " + e + " but was " + a);
        }
    }

    // ============================================================================================== softmax

    @Test void softmaxMatchesReference() {
        for (boolean log : new boolean[]{false, true}) {
            for (int c : WIDTHS) {
                int n = rowsFor(c);
                float[] x = randn(c, n * c, 3f);
                float[] ref = new float[n * c], fast = new float[n * c];
                ReferenceKernels.softmaxForward(FloatPtr.of(ref), FloatPtr.of(x), n, c, log);
                FastKernels.softmaxForward(FloatPtr.of(fast), FloatPtr.of(x), n, c, log);
                assertClose(ref, fast, 1e-5, 1e-7, "softmax log=" + log + " C=" + c);

                float[] dy = randn(c + 1, n * c, 1f);
                float[] dxRef = new float[n * c], dxFast = new float[n * c];
                ReferenceKernels.softmaxBackward(FloatPtr.of(dxRef), FloatPtr.of(ref), FloatPtr.of(dy), n, c, log);
                FastKernels.softmaxBackward(FloatPtr.of(dxFast), FloatPtr.of(ref), FloatPtr.of(dy), n, c, log);
                assertClose(dxRef, dxFast, 1e-4, 1e-6, "softmax backward log=" + log + " C=" + c);
            }
        }
    }

    @Test void softmaxOverAVocabularyRowAndInPlace() {
        int n = 2, v = 50257;
        float[] x = randn(7, n * v, 4f);
        float[] ref = new float[n * v];
        ReferenceKernels.softmaxForward(FloatPtr.of(ref), FloatPtr.of(x), n, v, false);
        float[] inPlace = x.clone();
        FastKernels.softmaxForward(FloatPtr.of(inPlace), FloatPtr.of(inPlace), n, v, false);
        assertClose(ref, inPlace, 1e-5, 1e-9, "softmax 50257 in place");
    }

    @Test void softmaxOfAStridedViewThroughTheBackend() {
        float[] data = randn(3, 33 * 17, 2f);
        Tensor x = Tensor.of(data, 33, 17).mT();   // (17, 33) with strides (1, 17)
        Tensor out = Tensor.empty(17, 33);
        CPU.softmax(x, out, false);
        float[] ref = new float[17 * 33];
        ReferenceKernels.softmaxForward(FloatPtr.of(ref), FloatPtr.of(x.contiguous().toFloatArray()), 17, 33, false);
        assertClose(ref, out.toFloatArray(), 1e-5, 1e-8, "softmax of a transpose");
    }

    // ============================================================================================== norms

    @Test void layerNormMatchesReference() {
        for (int c : WIDTHS) {
            int n = rowsFor(c);
            float[] x = randn(c, n * c, 2f), w = randn(c + 1, c, 1f), b = randn(c + 2, c, 1f);
            for (int i = 0; i < x.length; i++) x[i] += 3f;   // an offset, so the mean matters
            float[] out1 = new float[n * c], out2 = new float[n * c];
            float[] m1 = new float[n], m2 = new float[n], r1 = new float[n], r2 = new float[n];
            ReferenceKernels.layerNormForward(FloatPtr.of(out1), FloatPtr.of(m1), FloatPtr.of(r1), FloatPtr.of(x),
                    FloatPtr.of(w), FloatPtr.of(b), n, c, 1e-5f);
            FastKernels.layerNormForward(FloatPtr.of(out2), FloatPtr.of(m2), FloatPtr.of(r2), FloatPtr.of(x),
                    FloatPtr.of(w), FloatPtr.of(b), n, c, 1e-5f);
            assertClose(m1, m2, 1e-5, 1e-6, "layerNorm mean C=" + c);
            assertClose(r1, r2, 1e-5, 0, "layerNorm rstd C=" + c);
            assertClose(out1, out2, 1e-4, 1e-5, "layerNorm out C=" + c);

            float[] dy = randn(c + 3, n * c, 1f);
            float[] dx1 = new float[n * c], dx2 = new float[n * c];
            float[] dw1 = randn(c + 4, c, 1f), dw2 = dw1.clone(), db1 = randn(c + 5, c, 1f), db2 = db1.clone();
            ReferenceKernels.layerNormBackward(FloatPtr.of(dx1), FloatPtr.of(dw1), FloatPtr.of(db1), FloatPtr.of(dy),
                    FloatPtr.of(x), FloatPtr.of(w), FloatPtr.of(m1), FloatPtr.of(r1), n, c);
            FastKernels.layerNormBackward(FloatPtr.of(dx2), FloatPtr.of(dw2), FloatPtr.of(db2), FloatPtr.of(dy),
                    FloatPtr.of(x), FloatPtr.of(w), FloatPtr.of(m1), FloatPtr.of(r1), n, c);
            assertClose(dx1, dx2, 1e-4, 1e-5, "layerNorm dx C=" + c);
            assertClose(dw1, dw2, 1e-4, 1e-4, "layerNorm dweight C=" + c);
            assertClose(db1, db2, 1e-5, 1e-5, "layerNorm dbias C=" + c);
        }
    }

    @Test void rmsNormMatchesReference() {
        for (int c : WIDTHS) {
            int n = rowsFor(c);
            float[] x = randn(c, n * c, 2f), w = randn(c + 1, c, 1f);
            float[] out1 = new float[n * c], out2 = new float[n * c], r1 = new float[n], r2 = new float[n];
            ReferenceKernels.rmsNormForward(FloatPtr.of(out1), FloatPtr.of(r1), FloatPtr.of(x), FloatPtr.of(w), n, c, 1e-6f);
            FastKernels.rmsNormForward(FloatPtr.of(out2), FloatPtr.of(r2), FloatPtr.of(x), FloatPtr.of(w), n, c, 1e-6f);
            assertClose(r1, r2, 1e-5, 0, "rmsNorm rstd C=" + c);
            assertClose(out1, out2, 1e-4, 1e-5, "rmsNorm out C=" + c);

            float[] dy = randn(c + 3, n * c, 1f);
            float[] dx1 = new float[n * c], dx2 = new float[n * c], dw1 = randn(c + 4, c, 1f), dw2 = dw1.clone();
            ReferenceKernels.rmsNormBackward(FloatPtr.of(dx1), FloatPtr.of(dw1), FloatPtr.of(dy), FloatPtr.of(x),
                    FloatPtr.of(w), FloatPtr.of(r1), n, c);
            FastKernels.rmsNormBackward(FloatPtr.of(dx2), FloatPtr.of(dw2), FloatPtr.of(dy), FloatPtr.of(x),
                    FloatPtr.of(w), FloatPtr.of(r1), n, c);
            assertClose(dx1, dx2, 1e-4, 1e-5, "rmsNorm dx C=" + c);
            assertClose(dw1, dw2, 1e-4, 1e-4, "rmsNorm dweight C=" + c);
        }
    }

    @Test void layerNormBackwardWithStridedGradientThroughTheBackend() {
        int n = 6, c = 19;
        Tensor x = Tensor.of(randn(1, n * c, 1f), n, c);
        Tensor w = Tensor.of(randn(2, c, 1f), c), b = Tensor.zeros(c);
        Tensor out = x.emptyLike(), mean = Tensor.empty(n), rstd = Tensor.empty(n);
        CPU.layerNorm(x, w, b, 1e-5f, out, mean, rstd);
        Tensor dyT = Tensor.of(randn(3, n * c, 1f), c, n).mT();   // (n, c), not contiguous
        Tensor dx = x.emptyLike(), dw = Tensor.zeros(c), db = Tensor.zeros(c);
        CPU.layerNormBackward(dyT, x, w, mean, rstd, dx, dw, db);
        float[] dx1 = new float[n * c], dw1 = new float[c], db1 = new float[c];
        ReferenceKernels.layerNormBackward(FloatPtr.of(dx1), FloatPtr.of(dw1), FloatPtr.of(db1),
                FloatPtr.of(dyT.contiguous().toFloatArray()), FloatPtr.of(x.toFloatArray()), FloatPtr.of(w.toFloatArray()),
                FloatPtr.of(mean.toFloatArray()), FloatPtr.of(rstd.toFloatArray()), n, c);
        assertClose(dx1, dx.toFloatArray(), 1e-4, 1e-6, "dx");
        assertClose(dw1, dw.toFloatArray(), 1e-4, 1e-6, "dweight");
        assertClose(db1, db.toFloatArray(), 1e-5, 1e-6, "dbias");
    }

    // ============================================================================================== cross-entropy

    @Test void crossEntropyMatchesReferenceAndIgnoredRowsAreZero() {
        int ignore = -100;
        for (int v : new int[]{5, 17, 50257}) {
            int n = v > 1000 ? 4 : 37;
            float[] x = randn(v, n * v, 3f);
            int[] t = new int[n];
            Random r = new Random(v);
            for (int i = 0; i < n; i++) t[i] = i % 3 == 1 ? ignore : r.nextInt(v);
            float[] l1 = new float[n], l2 = new float[n], s1 = new float[n], s2 = new float[n];
            ReferenceKernels.crossEntropyForward(FloatPtr.of(l1), FloatPtr.of(s1), FloatPtr.of(x), IntPtr.of(t), ignore, n, v);
            FastKernels.crossEntropyForward(FloatPtr.of(l2), FloatPtr.of(s2), FloatPtr.of(x), IntPtr.of(t), ignore, n, v);
            assertClose(s1, s2, 1e-6, 1e-6, "logsumexp V=" + v);
            assertClose(l1, l2, 1e-5, 1e-5, "loss V=" + v);

            float[] dl = randn(v + 1, n, 1f);
            float[] d1 = new float[n * v], d2 = new float[n * v];
            Arrays.fill(d2, 99f);   // must be overwritten, ignored rows included
            ReferenceKernels.crossEntropyBackward(FloatPtr.of(d1), FloatPtr.of(x), IntPtr.of(t), FloatPtr.of(s1),
                    FloatPtr.of(dl), ignore, n, v);
            FastKernels.crossEntropyBackward(FloatPtr.of(d2), FloatPtr.of(x), IntPtr.of(t), FloatPtr.of(s1),
                    FloatPtr.of(dl), ignore, n, v);
            assertClose(d1, d2, 1e-5, 1e-9, "dlogits V=" + v);
            for (int i = 0; i < n; i++) {
                if (t[i] != ignore) continue;
                assertEquals(0f, l2[i], "ignored row " + i + " loss");
                for (int j = 0; j < v; j++) assertEquals(0f, d2[i * v + j], "ignored row " + i + " gradient");
            }
        }
    }

    // ============================================================================================== embedding, mask, dropout

    @Test void embeddingMatchesReferenceWithRepeatedIds() {
        int v = 11, c = 771, n = 53;
        float[] w = randn(1, v * c, 1f), dout = randn(2, n * c, 1f);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = (i * 7) % v;   // every id repeats
        float[] o1 = new float[n * c], o2 = new float[n * c];
        ReferenceKernels.embeddingForward(FloatPtr.of(o1), FloatPtr.of(w), IntPtr.of(ids), n, v, c);
        FastKernels.embeddingForward(FloatPtr.of(o2), FloatPtr.of(w), IntPtr.of(ids), n, v, c);
        assertArrayEquals(o1, o2);
        float[] dw1 = randn(3, v * c, 1f), dw2 = dw1.clone();
        ReferenceKernels.embeddingBackward(FloatPtr.of(dw1), FloatPtr.of(dout), IntPtr.of(ids), n, v, c);
        FastKernels.embeddingBackward(FloatPtr.of(dw2), FloatPtr.of(dout), IntPtr.of(ids), n, v, c);
        assertArrayEquals(dw1, dw2);   // same additions in the same (token) order
        ids[40] = 11;
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> FastKernels.embeddingForward(FloatPtr.of(o2), FloatPtr.of(w), IntPtr.of(ids), n, v, c));
        assertTrue(e.getMessage().contains("token id 11") && e.getMessage().contains("size 11"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class,
                () -> FastKernels.embeddingBackward(FloatPtr.of(dw2), FloatPtr.of(dout), IntPtr.of(ids), n, v, c));
    }

    @Test void causalMaskMatchesReference() {
        int b = 3, t = 13, s = 29;
        float[] x = randn(1, b * t * s, 1f);
        for (int offset : new int[]{0, s - t, -2, 40}) {
            float[] o1 = new float[x.length], o2 = new float[x.length];
            ReferenceKernels.causalMask(FloatPtr.of(o1), FloatPtr.of(x), b, t, s, offset, Float.NEGATIVE_INFINITY);
            FastKernels.causalMask(FloatPtr.of(o2), FloatPtr.of(x), b, t, s, offset, Float.NEGATIVE_INFINITY);
            assertArrayEquals(o1, o2, "offset " + offset);
            float[] inPlace = x.clone();
            FastKernels.causalMask(FloatPtr.of(inPlace), FloatPtr.of(inPlace), b, t, s, offset, Float.NEGATIVE_INFINITY);
            assertArrayEquals(o1, inPlace, "in place, offset " + offset);
        }
    }

    @Test void dropoutIsReproducibleAndHasTheRightStatistics() {
        int n = 200_003;
        float p = 0.3f;
        float[] x = new float[n];
        Arrays.fill(x, 2f);
        float[] o1 = new float[n], m1 = new float[n], o2 = new float[n], m2 = new float[n];
        ReferenceKernels.dropout(FloatPtr.of(o1), FloatPtr.of(m1), FloatPtr.of(x), n, p, 1234);
        FastKernels.dropout(FloatPtr.of(o2), FloatPtr.of(m2), FloatPtr.of(x), n, p, 1234);
        assertArrayEquals(m1, m2, "parallel mask equals the sequential one");
        assertArrayEquals(o1, o2);
        float[] again = new float[n];
        FastKernels.dropout(FloatPtr.of(new float[n]), FloatPtr.of(again), FloatPtr.of(x), n, p, 1234);
        assertArrayEquals(m2, again, "same seed, same mask");
        FastKernels.dropout(FloatPtr.of(new float[n]), FloatPtr.of(again), FloatPtr.of(x), n, p, 1235);
        assertFalse(Arrays.equals(m2, again), "another seed, another mask");
        FastKernels.dropout(FloatPtr.of(o2), FloatPtr.of(m2), FloatPtr.of(x), n, 0f, 99);
        assertArrayEquals(x, o2, "p = 0 keeps everything unscaled");
        FastKernels.dropout(FloatPtr.of(o2), FloatPtr.of(m2), FloatPtr.of(x), n, p, 1234);

        long dropped = 0;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            if (m2[i] == 0f) dropped++;
            else assertEquals(1f / 0.7f, m2[i], "kept values are scaled by 1/(1−p)");
            sum += o2[i];
        }
        double rate = (double) dropped / n, sigma = Math.sqrt(p * (1 - p) / n);
        assertEquals(p, rate, 5 * sigma, "drop rate");
        assertEquals(2.0, sum / n, 5 * 2 * sigma / (1 - p), "E[out] = x (inverted dropout)");
        // neighbouring elements are independent: P(both dropped) ≈ p²
        long both = 0;
        for (int i = 0; i + 1 < n; i += 2) if (m2[i] == 0f && m2[i + 1] == 0f) both++;
        assertEquals(p * p, both / (n / 2.0), 5 * Math.sqrt(p * p * (1 - p * p) / (n / 2.0)), "pairs");
    }

    // ============================================================================================== AdamW

    @Test void adamWEqualsReferenceBitForBit() {
        int n = 10_007;
        float[] g = randn(1, n, 1f);
        float[] p1 = randn(2, n, 1f), m1 = randn(3, n, .1f), v1 = randn(4, n, .01f);
        for (int i = 0; i < n; i++) v1[i] = Math.abs(v1[i]);
        float[] p2 = p1.clone(), m2 = m1.clone(), v2 = v1.clone();
        for (int step = 1; step <= 3; step++) {
            ReferenceKernels.adamW(FloatPtr.of(p1), FloatPtr.of(g), FloatPtr.of(m1), FloatPtr.of(v1), n,
                    3e-4f, 0.9f, 0.95f, 1e-8f, 0.1f, step);
            FastKernels.adamW(FloatPtr.of(p2), FloatPtr.of(g), FloatPtr.of(m2), FloatPtr.of(v2), n,
                    3e-4f, 0.9f, 0.95f, 1e-8f, 0.1f, step);
        }
        assertArrayEquals(p1, p2);
        assertArrayEquals(m1, m2);
        assertArrayEquals(v1, v2);
    }

    // ============================================================================================== elementwise

    /** Inputs inside each op's domain: positive for log, sqrt, rsqrt and pow. */
    static float[] inputsFor(UnaryOp op, int n) {
        float[] x = randn(op.ordinal(), n, 3f);
        x[n / 2] = 0f;
        if (op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT || op == UnaryOp.POW)
            for (int i = 0; i < n; i++) x[i] = Math.abs(x[i]) + 0.01f;
        return x;
    }

    static double param(UnaryOp op) {
        return switch (op) {
            case POW -> 1.7;
            case SCALE -> -2.5;
            case ADD_SCALAR, CLAMP_MIN, CLAMP_MAX, GT_SCALAR -> 0.25;
            default -> 0;
        };
    }

    static int[] bits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) b[i] = Float.floatToIntBits(a[i]);
        return b;
    }

    @Test void unaryOpsMatchScalarMathDenseAndStrided() {
        int rows = 41, cols = 1001;   // 41041 elements: split over threads, with a tail
        for (UnaryOp op : UnaryOp.values()) {
            float[] x = inputsFor(op, rows * cols);
            float p = (float) param(op);
            float[] expected = new float[x.length];
            for (int i = 0; i < x.length; i++) expected[i] = ScalarMath.unary(op, x[i], p);
            Tensor xt = Tensor.of(x, rows, cols);
            Tensor out = xt.emptyLike();
            CPU.unary(op, xt, p, out);
            assertClose(expected, out.toFloatArray(), 2e-5, 1e-6, op + " dense");
            // the same values read through a transpose take the strided scalar path: the lanes' scalar twin, so the
            // very same bits as the dense vector path
            Tensor xT = xt.mT().contiguous().mT();
            Tensor outT = xt.emptyLike();
            CPU.unary(op, xT, p, outT);
            assertClose(expected, outT.toFloatArray(), 2e-5, 1e-6, op + " strided");
            assertArrayEquals(bits(out.toFloatArray()), bits(outT.toFloatArray()), op + ": strided and dense bits differ");

            float[] y = expected, dy = randn(99, x.length, 1f);
            float[] expectedDx = new float[x.length];
            for (int i = 0; i < x.length; i++) expectedDx[i] = dy[i] * ScalarMath.derivative(op, x[i], y[i], p);
            Tensor dx = xt.emptyLike();
            CPU.unaryBackward(op, xt, Tensor.of(y, rows, cols), p, Tensor.of(dy, rows, cols), dx);
            assertClose(expectedDx, dx.toFloatArray(), 2e-5, 1e-6, op + " backward");
        }
    }

    @Test void binaryOpsMatchScalarMathWithBroadcasts() {
        int rows = 37, cols = 1003;
        float[] a = randn(1, rows * cols, 2f), b = randn(2, rows * cols, 2f), row = randn(3, cols, 2f);
        for (int i = 0; i < 50; i++) b[i * 7] = a[i * 7];   // some equal pairs for EQ
        float[] absA = a.clone();
        for (int i = 0; i < absA.length; i++) absA[i] = Math.abs(absA[i]) + 0.1f;   // pow needs a positive base
        Tensor bt = Tensor.of(b, rows, cols), rowT = Tensor.of(row, cols).expand(rows, cols);
        for (BinaryOp op : BinaryOp.values()) {
            float[] av = op == BinaryOp.POW ? absA : a;
            Tensor at = Tensor.of(av, rows, cols);
            float[] e1 = new float[av.length], e2 = new float[av.length], e3 = new float[av.length];
            for (int i = 0; i < av.length; i++) {
                e1[i] = ScalarMath.binary(op, av[i], b[i]);
                e2[i] = ScalarMath.binary(op, av[i], row[i % cols]);
                e3[i] = ScalarMath.binary(op, 1.5f, b[i]);
            }
            Tensor out = at.emptyLike();
            CPU.binary(op, at, bt, out);
            assertClose(e1, out.toFloatArray(), 2e-5, 1e-6, op + " dense");
            CPU.binary(op, at, rowT, out);
            assertClose(e2, out.toFloatArray(), 2e-5, 1e-6, op + " row broadcast");
            CPU.binary(op, Tensor.scalar(1.5).expand(rows, cols), bt, out);
            assertClose(e3, out.toFloatArray(), 2e-5, 1e-6, op + " scalar broadcast");
            CPU.binary(op, at.mT().contiguous().mT(), bt, out);
            assertClose(e1, out.toFloatArray(), 2e-5, 1e-6, op + " strided");
        }
    }

    @Test void whereMatchesScalarWithF32AndI32ConditionsAndBroadcasts() {
        int rows = 37, cols = 1003;
        float[] a = randn(1, rows * cols, 1f), b = randn(2, rows * cols, 1f), cf = randn(3, rows * cols, 1f);
        int[] ci = new int[rows * cols];
        for (int i = 0; i < ci.length; i++) {
            ci[i] = cf[i] > 0 ? 3 : 0;
            cf[i] = cf[i] > 0.5f ? Float.NaN : cf[i] > 0 ? 0f : -2f;   // NaN counts as true, like c != 0
        }
        float[] rowCond = Arrays.copyOf(cf, cols);
        Tensor at = Tensor.of(a, rows, cols), bt = Tensor.of(b, rows, cols);
        Tensor[] conds = {Tensor.of(cf, rows, cols), Tensor.ofInts(ci, rows, cols),
                Tensor.of(rowCond, cols).expand(rows, cols), Tensor.of(cf, rows, cols).mT().contiguous().mT()};
        for (int k = 0; k < conds.length; k++) {
            Tensor cond = conds[k];
            float[] cv = cond.toFloatArray();
            for (Tensor bb : new Tensor[]{bt, Tensor.scalar(7).expand(rows, cols)}) {
                float[] bv = bb.toFloatArray(), expected = new float[a.length];
                for (int i = 0; i < a.length; i++) expected[i] = cv[i] != 0f ? a[i] : bv[i];
                Tensor out = at.emptyLike();
                CPU.where(cond, at, bb, out);
                assertArrayEquals(expected, out.toFloatArray(), "condition " + k);
            }
        }
    }

    @Test void fillDenseAndStrided() {
        Tensor t = Tensor.zeros(37, 1001);
        CPU.fill(t, 2.5);
        for (float v : t.toFloatArray()) assertEquals(2.5f, v);
        CPU.fill(t.narrow(1, 3, 5), -1);   // a strided block: rows of 5 at stride 1001
        float[] v = t.toFloatArray();
        for (int i = 0; i < 37; i++)
            for (int j = 0; j < 1001; j++) assertEquals(j >= 3 && j < 8 ? -1f : 2.5f, v[i * 1001 + j], i + "," + j);
    }

    // ============================================================================================== reductions

    @Test void reductionsMatchDoubleLoops() {
        for (int c : new int[]{1, 17, 771, 50257}) {
            int n = c > 1000 ? 5 : 43;
            float[] x = randn(c, n * c, 1f);
            Tensor t = Tensor.of(x, n, c);
            for (ReduceOp op : new ReduceOp[]{ReduceOp.SUM, ReduceOp.MEAN, ReduceOp.MAX, ReduceOp.MIN}) {
                float[] expected = new float[n];
                for (int i = 0; i < n; i++) {
                    double acc = op == ReduceOp.MAX ? Double.NEGATIVE_INFINITY : op == ReduceOp.MIN ? Double.POSITIVE_INFINITY : 0;
                    for (int j = 0; j < c; j++) {
                        float v = x[i * c + j];
                        acc = switch (op) {
                            case MAX -> Math.max(acc, v);
                            case MIN -> Math.min(acc, v);
                            default -> acc + v;
                        };
                    }
                    expected[i] = (float) (op == ReduceOp.MEAN ? acc / c : acc);
                }
                Tensor out = Tensor.empty(n, 1);
                CPU.reduce(op, t, new int[]{1}, out);
                // sums of c standard normals are ~√c in size: compare with an absolute tolerance on that scale
                assertClose(expected, out.toFloatArray(), 1e-5, 1e-6 * Math.sqrt(c), op + " over " + c);
            }
        }
    }

    @Test void reductionsOverLeadingDimsMatchDoubleLoops() {
        // (R, cols) over dim 0, and (2, R/2, cols) over dims 0 and 1: the column path, with a partial column block
        int rows = 1000, cols = 1003;
        float[] x = randn(11, rows * cols, 1f);
        x[5 * cols + 7] = Float.NaN;   // column 7 becomes NaN, its neighbours stay clean
        for (ReduceOp op : new ReduceOp[]{ReduceOp.SUM, ReduceOp.MEAN, ReduceOp.MAX, ReduceOp.MIN}) {
            float[] expected = new float[cols];
            for (int j = 0; j < cols; j++) {
                double acc = op == ReduceOp.MAX ? Double.NEGATIVE_INFINITY : op == ReduceOp.MIN ? Double.POSITIVE_INFINITY : 0;
                for (int i = 0; i < rows; i++) {
                    float v = x[i * cols + j];
                    acc = switch (op) {
                        case MAX -> Math.max(acc, v);
                        case MIN -> Math.min(acc, v);
                        default -> acc + v;
                    };
                }
                expected[j] = (float) (op == ReduceOp.MEAN ? acc / rows : acc);
            }
            Tensor out = Tensor.empty(1, cols);
            CPU.reduce(op, Tensor.of(x, rows, cols), new int[]{0}, out);
            assertClose(expected, out.toFloatArray(), 1e-5, 1e-6 * Math.sqrt(rows), op + " over dim 0");
            assertTrue(Float.isNaN(out.get(0, 7)) && !Float.isNaN(out.get(0, 6)), op + " NaN stays in its column");
            Tensor out3 = Tensor.empty(1, 1, cols);
            CPU.reduce(op, Tensor.of(x, 2, rows / 2, cols), new int[]{0, 1}, out3);
            assertClose(expected, out3.toFloatArray(), 1e-5, 1e-6 * Math.sqrt(rows), op + " over dims 0, 1");
        }
    }

    @Test void fullReductionOfALongTensorIsSplitAndDeterministic() {
        int n = 1_000_003;
        float[] x = randn(5, n, 1f);
        double sum = 0, max = Double.NEGATIVE_INFINITY;
        for (float v : x) { sum += v; max = Math.max(max, v); }
        Tensor t = Tensor.of(x, n);
        Tensor out = Tensor.empty(1);
        CPU.reduce(ReduceOp.SUM, t, new int[]{0}, out);
        float first = out.get(0);
        assertEquals(sum, first, 1e-6 * Math.sqrt(n));
        for (int rep = 0; rep < 3; rep++) {
            CPU.reduce(ReduceOp.SUM, t, new int[]{0}, out);
            assertEquals(Float.floatToIntBits(first), Float.floatToIntBits(out.get(0)), "bit-identical on every run");
        }
        CPU.reduce(ReduceOp.MAX, t, new int[]{0}, out);
        assertEquals((float) max, out.get(0));
        // over dim 0 of a 2-D tensor: the column path
        Tensor m = Tensor.of(Arrays.copyOf(x, 1000 * 999), 1000, 999);
        Tensor colSums = Tensor.empty(1, 999);
        CPU.reduce(ReduceOp.SUM, m, new int[]{0}, colSums);
        double c5 = 0;
        for (int i = 0; i < 1000; i++) c5 += x[i * 999 + 5];
        assertEquals(c5, colSums.get(0, 5), 1e-4);
    }

    @Test void normBackwardIsBitIdenticalRunAfterRun() {
        int n = 256, c = 771;
        float[] x = randn(1, n * c, 1f), w = randn(2, c, 1f), dy = randn(3, n * c, 1f);
        float[] mean = new float[n], rstd = new float[n];
        FastKernels.layerNormForward(FloatPtr.of(new float[n * c]), FloatPtr.of(mean), FloatPtr.of(rstd), FloatPtr.of(x),
                FloatPtr.of(w), FloatPtr.of(new float[c]), n, c, 1e-5f);
        float[] first = null;
        for (int rep = 0; rep < 3; rep++) {
            float[] dw = new float[c], db = new float[c];
            FastKernels.layerNormBackward(FloatPtr.of(new float[n * c]), FloatPtr.of(dw), FloatPtr.of(db), FloatPtr.of(dy),
                    FloatPtr.of(x), FloatPtr.of(w), FloatPtr.of(mean), FloatPtr.of(rstd), n, c);
            if (first == null) first = dw; else assertArrayEquals(first, dw, "dweight differs between runs");
        }
        assertTrue(Parallel.chunks(n, 4L * c) > 1, "the test must exercise the parallel path");
    }

    // ============================================================================================== NaN

    @Test void nanPropagates() {
        float nan = Float.NaN;
        float[] x = randn(1, 3 * 40, 1f);
        x[40 + 17] = nan;   // row 1
        float[] y = new float[x.length];
        FastKernels.softmaxForward(FloatPtr.of(y), FloatPtr.of(x), 3, 40, false);
        for (int j = 0; j < 40; j++) {
            assertFalse(Float.isNaN(y[j]), "row 0 is clean");
            assertTrue(Float.isNaN(y[40 + j]), "row 1 is NaN");
        }
        float[] mean = new float[3], rstd = new float[3];
        FastKernels.layerNormForward(FloatPtr.of(y), FloatPtr.of(mean), FloatPtr.of(rstd), FloatPtr.of(x),
                FloatPtr.of(randn(2, 40, 1f)), FloatPtr.of(new float[40]), 3, 40, 1e-5f);
        assertTrue(Float.isNaN(y[40]) && Float.isNaN(rstd[1]) && !Float.isNaN(y[0]), "layerNorm");
        float[] losses = new float[3], lse = new float[3];
        FastKernels.crossEntropyForward(FloatPtr.of(losses), FloatPtr.of(lse), FloatPtr.of(x), IntPtr.of(new int[]{1, 2, 3}),
                -100, 3, 40);
        assertTrue(Float.isNaN(losses[1]) && !Float.isNaN(losses[0]), "cross-entropy");
        Tensor t = Tensor.of(x, 3, 40), out = Tensor.empty(3, 1);
        for (ReduceOp op : new ReduceOp[]{ReduceOp.SUM, ReduceOp.MAX, ReduceOp.MIN}) {
            CPU.reduce(op, t, new int[]{1}, out);
            assertTrue(Float.isNaN(out.get(1, 0)) && !Float.isNaN(out.get(0, 0)), op.name());
        }
        for (UnaryOp op : new UnaryOp[]{UnaryOp.EXP, UnaryOp.TANH, UnaryOp.GELU, UnaryOp.SILU, UnaryOp.SIGMOID}) {
            Tensor u = t.emptyLike();
            CPU.unary(op, t, 0, u);
            assertTrue(Float.isNaN(u.get(1, 17)) && !Float.isNaN(u.get(1, 16)), op.name());
        }
    }

    // ============================================================================================== Parallel

    @Test void parallelChunksCoverTheRangeOnceAndDependOnlyOnSizes() {
        assertEquals(1, Parallel.chunks(1000, 10), "small work runs in one piece");
        long rows = 100_003;
        int n = Parallel.chunks(rows, 7);
        assertTrue(n > 1 && n <= Parallel.MAX_CHUNKS);
        assertEquals(n, Parallel.chunks(rows, 7));
        int[] hits = new int[(int) rows];
        long[] starts = new long[n];
        Parallel.forChunks(rows, 7, (c, s, e) -> {
            starts[c] = s;
            for (long i = s; i < e; i++) hits[(int) i]++;
        });
        for (int h : hits) assertEquals(1, h);
        for (int c = 0; c < n; c++) assertEquals(Parallel.chunkStart(rows, n, c), starts[c]);
        RuntimeException e = assertThrows(RuntimeException.class, () -> Parallel.forRange(rows, 7, (s, end) -> {
            if (s > 0) throw new IllegalStateException("boom in a worker");
        }));
        assertTrue(String.valueOf(e.getMessage()).contains("boom"), e.toString());
    }

    @Test void kernelsFreeTheirTemporaries() {
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor x = Tensor.of(randn(1, 8 * 33, 1f), 33, 8).mT();   // strided: copied inside the kernel
            Tensor out = Tensor.empty(8, 33), mean = Tensor.empty(8), rstd = Tensor.empty(8);
            CPU.softmax(x, out, true);
            CPU.layerNorm(x, Tensor.ones(33), Tensor.zeros(33), 1e-5f, out, mean, rstd);
            CPU.reduce(ReduceOp.SUM, x, new int[]{0}, Tensor.empty(1, 33));
            // the 7 tensors made here; the contiguous copies the kernels made lived in their own scopes
            assertEquals(7, scope.ownedCount());
        }
    }
}
