package rlhf4j.cuda;

import static org.junit.jupiter.api.Assertions.*;
import static rlhf4j.cuda.GpuTesting.*;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import rlhf4j.tensor.Backend;
import rlhf4j.tensor.BinaryOp;
import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.DType;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.ReduceOp;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.UnaryOp;

/**
 * GPU only (skipped without CUDA): every op on CUDA against the CPU backend (elementwise, copies, reductions,
 * GEMM, random) or against double-precision references and central differences (the fused kernels, whose CPU
 * versions may not exist yet). Inputs are fresh random values; every output starts as NaN.
 */
class CudaOpsGpuTest {
    static Backend cuda;
    MemoryScope scope;

    @BeforeEach void open() {
        assumeGpu();                                  // each test reports itself skipped on a machine without CUDA
        cuda = rlhf4j.tensor.Backends.forDevice(GPU);
        scope = MemoryScope.open();
    }

    @AfterEach void close() { if (scope != null) scope.close(); }

    // ---- memory, copies, fill ----------------------------------------------------------------------------------

    @Test void roundTripThroughHostMemory() {
        Tensor x = rand(1, -3, 3, 7, 33);
        assertArrayEquals(x.toFloatArray(), gpu(x).toFloatArray());
        Tensor ids = Tensor.ofInts(new int[]{5, -2, 1 << 30}, 3);
        assertArrayEquals(ids.toIntArray(), gpu(ids).toIntArray());
        assertEquals(x.get(3, 20), gpu(x).get(3, 20));
    }

    @Test void copyOfViewsWithDtypeConversion() {
        Tensor x = rand(2, -50, 50, 6, 5, 4);
        Tensor gx = gpu(x);
        Tensor view = gx.permute(2, 0, 1).narrow(1, 1, 4);            // strided view
        Tensor out = poisoned(view.shape());
        cuda.copy(view, out);
        assertClose(x.permute(2, 0, 1).narrow(1, 1, 4).contiguous(), out, 0, 0, "strided copy");
        Tensor asInt = gx.to(DType.I32);
        assertArrayEquals(x.to(DType.I32).toIntArray(), asInt.toIntArray(), "F32 -> I32 truncates like Java");
        assertArrayEquals(x.to(DType.I32).to(DType.F32).toFloatArray(), asInt.to(DType.F32).toFloatArray());
        Tensor special = gpu(Tensor.of(Float.NaN, 3e9f, -3e9f, -0.7f)).to(DType.I32);
        assertArrayEquals(new int[]{0, Integer.MAX_VALUE, Integer.MIN_VALUE, 0}, special.toIntArray());
    }

    @Test void fillAViewLeavesTheRestAlone() {
        Tensor t = poisoned(4, 6);
        t.fill(2.5);
        t.narrow(1, 2, 3).fill(-1);
        float[] v = t.toFloatArray();
        for (int i = 0; i < 24; i++) assertEquals((i % 6) >= 2 && (i % 6) < 5 ? -1f : 2.5f, v[i], "element " + i);
        Tensor ints = Tensor.full(7, DType.I32, GPU, 5);
        assertArrayEquals(new int[]{7, 7, 7, 7, 7}, ints.toIntArray());
    }

    // ---- random ---------------------------------------------------------------------------------------------------

    @Test void uniformIsBitIdenticalToTheCpu() {
        Tensor g = Tensor.rand(1234, -2f, 3f, GPU, 1000, 37);
        Tensor c = Tensor.rand(1234, -2f, 3f, Device.CPU, 1000, 37);
        assertArrayEquals(c.toFloatArray(), g.toFloatArray());
    }

    @Test void normalMatchesTheCpuWithinFloatTolerance() {
        Tensor g = Tensor.randn(99, GPU, 50_000);
        Tensor c = Tensor.randn(99, 50_000);
        assertClose(c, g, 1e-5f, 1e-6f, "randn");
        Tensor shifted = poisoned(1000);
        cuda.randomNormal(shifted, 5, 2f, 0.5f);
        Tensor ref = Tensor.empty(1000);
        cpu().randomNormal(ref, 5, 2f, 0.5f);
        assertClose(ref, shifted, 1e-5f, 1e-6f, "normal(2, 0.5)");
    }

    static Backend cpu() { return rlhf4j.tensor.Backends.cpu(); }

    /**
     * Runs the CPU backend's version of a fused op; false while the CPU backend does not implement it yet (it throws
     * UnsupportedOperationException), in which case only the double-precision reference is compared.
     */
    static boolean cpuHas(Runnable op) {
        try {
            op.run();
            return true;
        } catch (UnsupportedOperationException notYet) {
            return false;
        }
    }

    @Test void dropoutUsesTheSameCounters() {
        float p = 0.3f;
        long seed = 77;
        Tensor x = rand(3, -1, 1, 8, 64);
        Tensor gx = gpu(x).mT();                                     // a strided input
        Tensor out = poisoned(gx.shape()), mask = poisoned(gx.shape());
        cuda.dropout(gx, p, seed, out, mask);
        float[] xs = x.mT().contiguous().toFloatArray(), ms = mask.toFloatArray(), os = out.toFloatArray();
        float keep = 1f / (1f - p);
        int dropped = 0;
        for (int i = 0; i < xs.length; i++) {
            float want = CounterRng.uniform(seed, i) >= p ? keep : 0f;
            assertEquals(want, ms[i], "mask " + i);
            assertEquals(xs[i] * want, os[i], "out " + i);
            if (want == 0) dropped++;
        }
        assertTrue(dropped > 100 && dropped < 220, "about 30% dropped: " + dropped);
        Tensor oc = Tensor.empty(gx.shape()), mc = Tensor.empty(gx.shape());
        if (cpuHas(() -> cpu().dropout(x.mT(), p, seed, oc, mc))) {
            assertArrayEquals(mc.toFloatArray(), ms, "dropout mask bit-identical to the cpu");
            assertArrayEquals(oc.toFloatArray(), os, "dropout output bit-identical to the cpu");
        }
    }

    // ---- elementwise ------------------------------------------------------------------------------------------

    /** Inputs inside each op's domain, and the parameter it takes. */
    static float[] domain(UnaryOp op) {
        return switch (op) {
            case LOG, SQRT, RSQRT, RECIPROCAL -> new float[]{0.1f, 4f, 0};
            case POW -> new float[]{0.1f, 3f, 1.7f};
            case CLAMP_MIN, CLAMP_MAX, GT_SCALAR -> new float[]{-2f, 2f, 0.25f};
            case SCALE -> new float[]{-3f, 3f, -1.5f};
            case ADD_SCALAR -> new float[]{-3f, 3f, 0.75f};
            default -> new float[]{-4f, 4f, 0};
        };
    }

    @Test void everyUnaryOpAndItsDerivativeMatchTheCpu() {
        for (UnaryOp op : UnaryOp.values()) {
            float[] d = domain(op);
            Tensor x = rand(op.ordinal() + 10, d[0], d[1], 5, 40);
            Tensor dy = rand(op.ordinal() + 50, -1, 1, 5, 40);
            Tensor yCpu = Tensor.empty(5, 40), dxCpu = Tensor.empty(5, 40);
            cpu().unary(op, x, d[2], yCpu);
            cpu().unaryBackward(op, x, yCpu, d[2], dy, dxCpu);

            Tensor gx = gpu(x).mT().contiguous().mT();               // same values, column-major strides
            Tensor y = poisoned(5, 40), dx = poisoned(5, 40);
            cuda.unary(op, gx, d[2], y);
            assertClose(yCpu, y, 2e-6f, 1e-6f, op + " forward");
            cuda.unaryBackward(op, gx, y, d[2], gpu(dy), dx);
            assertClose(dxCpu, dx, 1e-5f, 1e-5f, op + " backward");   // GELU′ cancels in 1 − tanh²
        }
    }

    @Test void unaryInPlace() {
        Tensor x = rand(4, -1, 1, 100);
        Tensor g = gpu(x);
        g.mulInPlace(3);
        assertClose(x.mul(3), g, 0, 0, "x *= 3");
    }

    @Test void everyBinaryOpWithBroadcasting() {
        Tensor a = rand(5, 0.5f, 2f, 4, 1, 6), b = rand(6, 0.5f, 2f, 3, 6);
        b = b.narrow(0, 0, 3);
        for (BinaryOp op : BinaryOp.values()) {
            Tensor want = a.binary(op, b);
            Tensor got = gpu(a).binary(op, gpu(b));
            assertClose(want, got, 2e-6f, 0, op.name());
        }
        Tensor eqA = Tensor.of(1, 2, 3, 4), eqB = Tensor.of(1, 0, 3, 5);
        assertArrayEquals(new float[]{1, 0, 1, 0}, gpu(eqA).binary(BinaryOp.EQ, gpu(eqB)).toFloatArray());
        Tensor acc = gpu(rand(7, -1, 1, 3, 6));
        Tensor accCpu = acc.toCpu();
        acc.addInPlace(gpu(b).narrow(0, 0, 1));
        assertClose(accCpu.addInPlace(b.narrow(0, 0, 1)), acc, 0, 0, "in-place add of a broadcast row");
    }

    @Test void whereWithFloatAndIntConditions() {
        Tensor a = rand(8, -1, 1, 3, 5), b = rand(9, -1, 1, 5);
        Tensor condF = Tensor.of(new float[]{1, 0, 0, 2, 0}, 5);
        Tensor condI = Tensor.ofInts(new int[]{0, 1, 0}, 3, 1);
        assertClose(Tensor.where(condF, a, b), Tensor.where(gpu(condF), gpu(a), gpu(b)), 0, 0, "where (F32 cond)");
        assertClose(Tensor.where(condI, a, b), Tensor.where(gpu(condI), gpu(a), gpu(b)), 0, 0, "where (I32 cond)");
    }

    // ---- reductions -------------------------------------------------------------------------------------------

    @Test void reductionsOverEveryDimSet() {
        Tensor x = rand(10, -3, 3, 4, 7, 300);
        Tensor g = gpu(x);
        int[][] dimSets = {{0}, {1}, {2}, {0, 2}, {1, 2}, {0, 1, 2}};
        for (ReduceOp op : new ReduceOp[]{ReduceOp.SUM, ReduceOp.MEAN, ReduceOp.MAX, ReduceOp.MIN})
            for (int[] dims : dimSets)
                assertClose(x.reduce(op, true, dims), g.reduce(op, true, dims), 1e-5f, 1e-4f,
                        op + " over " + java.util.Arrays.toString(dims));
        for (int d = 0; d < 3; d++)
            assertArrayEquals(x.argmax(d).toIntArray(), g.argmax(d).toIntArray(), "argmax over " + d);
        Tensor ties = Tensor.of(new float[]{1, 5, 5, 2, Float.NaN, 3}, 1, 6);
        assertArrayEquals(new int[]{4}, gpu(ties).argmax(1).toIntArray(), "NaN wins, like the CPU");
        assertArrayEquals(new int[]{1}, gpu(ties.narrow(1, 0, 4)).argmax(1).toIntArray(), "first of equal maxima");
        assertTrue(Float.isNaN(gpu(ties).max(1).item()), "max propagates NaN");
    }

    // ---- GEMM -------------------------------------------------------------------------------------------------

    @Test void matmulOfViewsAndBatchesMatchesTheCpu() {
        Tensor[][] cases = {
                {rand(11, -1, 1, 64, 96), rand(12, -1, 1, 96, 80)},
                {rand(13, -1, 1, 96, 64).mT(), rand(14, -1, 1, 96, 80)},
                {rand(15, -1, 1, 64, 96), rand(16, -1, 1, 80, 96).mT()},
                {rand(17, -1, 1, 3, 2, 33, 17), rand(18, -1, 1, 3, 2, 17, 9)},
                {rand(19, -1, 1, 3, 2, 33, 17), rand(20, -1, 1, 17, 9)},
                {rand(21, -1, 1, 2, 5, 4, 8).transpose(1, 2), rand(22, -1, 1, 2, 5, 4, 8).transpose(1, 2).mT()},
                {rand(23, -1, 1, 10, 6).narrow(1, 1, 4), rand(24, -1, 1, 4, 3)},
                {rand(25, -1, 1, 5, 1), rand(26, -1, 1, 1, 7)},
        };
        for (Tensor[] c : cases) {
            Tensor want = c[0].matmul(c[1]);
            Tensor got = gpu(c[0]).matmul(gpu(c[1]));
            assertClose(want, got, 1e-4f, 1e-5f, c[0] + " @ " + c[1]);
        }
        Tensor a = rand(27, -1, 1, 8, 5), b = rand(28, -1, 1, 5, 6), acc = rand(29, -1, 1, 8, 6);
        Tensor gAcc = gpu(acc);
        cuda.matmul(gpu(a), gpu(b), gAcc, true);
        assertClose(acc.add(a.matmul(b)), gAcc, 1e-5f, 1e-5f, "accumulate");
        Tensor empty = poisoned(3, 4);
        cuda.matmul(Tensor.empty(DType.F32, GPU, 3, 0), Tensor.empty(DType.F32, GPU, 0, 4), empty, false);
        assertArrayEquals(new float[12], empty.toFloatArray(), "K = 0 gives zeros");
    }

    @Test void tf32IsAnOptionWithLooserAccuracy() {
        CudaContext ctx = ((CudaBackend) cuda).context(0);
        Tensor a = rand(30, -1, 1, 256, 256), b = rand(31, -1, 1, 256, 256);
        Tensor want = a.matmul(b);
        try {
            ctx.setTf32(true);
            assertClose(want, gpu(a).matmul(gpu(b)), 1e-2f, 2e-2f, "TF32 GEMM");
        } finally {
            ctx.setTf32(false);
        }
        assertClose(want, gpu(a).matmul(gpu(b)), 1e-4f, 1e-4f, "FP32 GEMM after switching back");
    }

    // ---- fused kernels ----------------------------------------------------------------------------------------

    @Test void softmaxAndLogSoftmaxForwardAndBackward() {
        int n = 6, c = 1500;                                        // c > 1024: threads loop over the row
        for (boolean log : new boolean[]{false, true}) {
            Tensor x = rand(32, -8, 8, n, c), dy = rand(33, -1, 1, n, c);
            double[] xd = doubles(x), dyd = doubles(dy);
            Tensor y = poisoned(n, c), dx = poisoned(n, c);
            cuda.softmax(gpu(x), y, log);
            assertClose(References.softmax(xd, c, log), y.toFloatArray(), 1e-4f, 1e-7f, "softmax log=" + log);
            cuda.softmaxBackward(y, gpu(dy), dx, log);
            double[] want = References.gradient(v -> References.softmax(v, c, log), xd, dyd);
            assertClose(want, dx.toFloatArray(), 1e-3f, 1e-5f, "softmax backward log=" + log);
            Tensor yc = Tensor.empty(n, c), dxc = Tensor.empty(n, c);
            if (cpuHas(() -> cpu().softmax(x, yc, log))) assertClose(yc, y, 1e-5f, 1e-7f, "softmax vs cpu");
            if (cpuHas(() -> cpu().softmaxBackward(yc, dy, dxc, log))) assertClose(dxc, dx, 1e-4f, 1e-6f, "softmax backward vs cpu");
        }
    }

    @Test void layerNormForwardAndBackward() {
        int n = 5, c = 96;
        float eps = 1e-5f;
        Tensor x = rand(34, -2, 3, n, c), w = rand(35, 0.5f, 1.5f, c), b = rand(36, -1, 1, c), dy = rand(37, -1, 1, n, c);
        double[] xd = doubles(x), wd = doubles(w), bd = doubles(b), dyd = doubles(dy);
        double[] mean = new double[n], rstd = new double[n];
        double[] yRef = References.layerNorm(xd, wd, bd, c, eps, mean, rstd);
        Tensor y = poisoned(n, c), gm = poisoned(n), gr = poisoned(n);
        cuda.layerNorm(gpu(x), gpu(w), gpu(b), eps, y, gm, gr);
        assertClose(yRef, y.toFloatArray(), 1e-4f, 1e-5f, "layerNorm");
        assertClose(mean, gm.toFloatArray(), 1e-5f, 1e-6f, "layerNorm mean");
        assertClose(rstd, gr.toFloatArray(), 1e-4f, 0, "layerNorm rstd");

        Tensor dx = poisoned(n, c), dw = gpu(Tensor.full(0.25, c)), db = gpu(Tensor.full(-0.5, c));
        cuda.layerNormBackward(gpu(dy), gpu(x), gpu(w), gm, gr, dx, dw, db);
        assertClose(References.gradient(v -> References.layerNorm(v, wd, bd, c, eps, null, null), xd, dyd),
                dx.toFloatArray(), 1e-3f, 1e-4f, "layerNorm dx");
        double[] dwRef = References.gradient(v -> References.layerNorm(xd, v, bd, c, eps, null, null), wd.clone(), dyd);
        double[] dbRef = References.gradient(v -> References.layerNorm(xd, wd, v, c, eps, null, null), bd.clone(), dyd);
        for (int j = 0; j < c; j++) { dwRef[j] += 0.25; dbRef[j] -= 0.5; }   // accumulated into the old values
        assertClose(dwRef, dw.toFloatArray(), 1e-3f, 1e-4f, "layerNorm dweight (+=)");
        assertClose(dbRef, db.toFloatArray(), 1e-3f, 1e-4f, "layerNorm dbias (+=)");
        Tensor yc = Tensor.empty(n, c), mc = Tensor.empty(n), rc = Tensor.empty(n);
        if (cpuHas(() -> cpu().layerNorm(x, w, b, eps, yc, mc, rc))) {
            assertClose(yc, y, 1e-4f, 1e-5f, "layerNorm vs cpu");
            Tensor dxc = Tensor.empty(n, c), dwc = Tensor.full(0.25, c), dbc = Tensor.full(-0.5, c);
            if (cpuHas(() -> cpu().layerNormBackward(dy, x, w, mc, rc, dxc, dwc, dbc))) {
                assertClose(dxc, dx, 1e-3f, 1e-5f, "layerNorm dx vs cpu");
                assertClose(dwc, dw, 1e-3f, 1e-5f, "layerNorm dweight vs cpu");
                assertClose(dbc, db, 1e-3f, 1e-5f, "layerNorm dbias vs cpu");
            }
        }
    }

    @Test void rmsNormForwardAndBackward() {
        int n = 4, c = 2000;                                        // c > 1024
        float eps = 1e-6f;
        Tensor x = rand(38, -2, 2, n, c), w = rand(39, 0.5f, 1.5f, c), dy = rand(40, -1, 1, n, c);
        double[] xd = doubles(x), wd = doubles(w), dyd = doubles(dy), rstd = new double[n];
        double[] yRef = References.rmsNorm(xd, wd, c, eps, rstd);
        Tensor y = poisoned(n, c), gr = poisoned(n);
        cuda.rmsNorm(gpu(x), gpu(w), eps, y, gr);
        assertClose(yRef, y.toFloatArray(), 1e-4f, 1e-6f, "rmsNorm");
        assertClose(rstd, gr.toFloatArray(), 1e-4f, 0, "rmsNorm rstd");
        Tensor dx = poisoned(n, c), dw = gpu(Tensor.zeros(c));
        cuda.rmsNormBackward(gpu(dy), gpu(x), gpu(w), gr, dx, dw);
        assertClose(References.gradient(v -> References.rmsNorm(v, wd, c, eps, null), xd, dyd), dx.toFloatArray(),
                1e-3f, 1e-5f, "rmsNorm dx");
        assertClose(References.gradient(v -> References.rmsNorm(xd, v, c, eps, null), wd.clone(), dyd),
                dw.toFloatArray(), 1e-3f, 1e-4f, "rmsNorm dweight");
        Tensor yc = Tensor.empty(n, c), rc = Tensor.empty(n);
        if (cpuHas(() -> cpu().rmsNorm(x, w, eps, yc, rc))) {
            assertClose(yc, y, 1e-4f, 1e-6f, "rmsNorm vs cpu");
            Tensor dxc = Tensor.empty(n, c), dwc = Tensor.zeros(c);
            if (cpuHas(() -> cpu().rmsNormBackward(dy, x, w, rc, dxc, dwc))) {
                assertClose(dxc, dx, 1e-3f, 1e-5f, "rmsNorm dx vs cpu");
                assertClose(dwc, dw, 1e-3f, 1e-5f, "rmsNorm dweight vs cpu");
            }
        }
    }

    /**
     * The weight (and bias) gradients sum over all rows in two stages (chunks of rows, then the chunks): at 4096 rows
     * (64 chunks) they match the CPU backend, and repeat bit for bit (no atomics).
     */
    @Test void normParameterGradientsOverManyRowsMatchTheCpu() {
        int n = 4096, c = 64;
        Tensor x = rand(70, -2, 3, n, c), w = rand(71, 0.5f, 1.5f, c), b = rand(72, -1, 1, c), dy = rand(73, -1, 1, n, c);
        Tensor mc = Tensor.empty(n), rc = Tensor.empty(n), dxc = Tensor.empty(n, c), dwc = Tensor.full(0.25, c), dbc = Tensor.zeros(c);
        cpu().layerNorm(x, w, b, 1e-5f, Tensor.empty(n, c), mc, rc);
        cpu().layerNormBackward(dy, x, w, mc, rc, dxc, dwc, dbc);
        Tensor[] ln = {null, null};
        for (int run = 0; run < 2; run++) {
            Tensor dx = poisoned(n, c), dw = gpu(Tensor.full(0.25, c)), db = gpu(Tensor.zeros(c));
            cuda.layerNormBackward(gpu(dy), gpu(x), gpu(w), gpu(mc), gpu(rc), dx, dw, db);
            assertClose(dxc, dx, 1e-4f, 1e-5f, "layerNorm dx, 4096 rows");
            // 4096-term float32 sums in another order differ by ~2^-24·√n·|partial sums| ≈ 1e-4; a lost row moves one by ~0.5
            assertClose(dwc, dw, 1e-4f, 1e-3f, "layerNorm dweight, 4096 rows");
            assertClose(dbc, db, 1e-4f, 1e-3f, "layerNorm dbias, 4096 rows");
            if (ln[0] == null) { ln[0] = dw; ln[1] = db; }
            else {
                assertArrayEquals(ln[0].toFloatArray(), dw.toFloatArray(), "layerNorm dweight repeats bit for bit");
                assertArrayEquals(ln[1].toFloatArray(), db.toFloatArray(), "layerNorm dbias repeats bit for bit");
            }
        }
        Tensor rstd = Tensor.empty(n), dxr = Tensor.empty(n, c), dwr = Tensor.zeros(c);
        cpu().rmsNorm(x, w, 1e-6f, Tensor.empty(n, c), rstd);
        cpu().rmsNormBackward(dy, x, w, rstd, dxr, dwr);
        Tensor dx = poisoned(n, c), dw = gpu(Tensor.zeros(c));
        cuda.rmsNormBackward(gpu(dy), gpu(x), gpu(w), gpu(rstd), dx, dw);
        assertClose(dxr, dx, 1e-4f, 1e-5f, "rmsNorm dx, 4096 rows");
        assertClose(dwr, dw, 1e-4f, 1e-3f, "rmsNorm dweight, 4096 rows");
    }

    @Test void crossEntropyWithIgnoredRows() {
        int n = 4, v = 1500, ignore = -100;                        // v > 1024: threads loop over the row
        int[] targets = {0, ignore, 1499, 17};
        Tensor logits = rand(41, -6, 6, n, v), dl = rand(42, 0.5f, 1.5f, n);
        double[] ld = doubles(logits), dld = doubles(dl), lse = new double[n];
        double[] lossRef = References.crossEntropy(ld, targets, v, ignore, lse);
        Tensor gt = gpu(Tensor.ofInts(targets, n));
        Tensor losses = poisoned(n), glse = poisoned(n);
        cuda.crossEntropy(gpu(logits), gt, ignore, losses, glse);
        assertClose(lossRef, losses.toFloatArray(), 1e-5f, 1e-5f, "crossEntropy losses");
        assertClose(lse, glse.toFloatArray(), 1e-6f, 1e-6f, "crossEntropy logsumexp");
        Tensor dlogits = poisoned(n, v);
        cuda.crossEntropyBackward(gpu(logits), gt, ignore, glse, gpu(dl), dlogits);
        double[] want = References.gradient(x -> References.crossEntropy(x, targets, v, ignore, null), ld, dld);
        assertClose(want, dlogits.toFloatArray(), 1e-3f, 1e-6f, "crossEntropy backward");
        Tensor tc = Tensor.ofInts(targets, n), lc = Tensor.empty(n), lsec = Tensor.empty(n);
        if (cpuHas(() -> cpu().crossEntropy(logits, tc, ignore, lc, lsec))) {
            assertClose(lc, losses, 1e-5f, 1e-5f, "crossEntropy vs cpu");
            Tensor dc = Tensor.empty(n, v);
            if (cpuHas(() -> cpu().crossEntropyBackward(logits, tc, ignore, lsec, dl, dc)))
                assertClose(dc, dlogits, 1e-4f, 1e-7f, "crossEntropy backward vs cpu");
        }
    }

    @Test void causalMaskWithOffsets() {
        Tensor x = rand(43, -1, 1, 2, 5, 7);
        for (int offset : new int[]{0, 2, -1}) {
            Tensor out = poisoned(2, 5, 7);
            cuda.causalMask(gpu(x).mT().contiguous().mT(), offset, -1e9f, out);
            float[] xs = x.toFloatArray(), os = out.toFloatArray();
            for (int i = 0; i < xs.length; i++) {
                int j = i % 7, t = (i / 7) % 5;
                assertEquals(j > t + offset ? -1e9f : xs[i], os[i], "offset " + offset + " element " + i);
            }
            Tensor oc = Tensor.empty(2, 5, 7);
            final int off = offset;
            if (cpuHas(() -> cpu().causalMask(x, off, -1e9f, oc))) assertClose(oc, out, 0, 0, "causalMask vs cpu");
        }
    }

    @Test void embeddingGatherAndScatterAdd() {
        int vocab = 11, c = 40;
        Tensor w = rand(44, -1, 1, vocab, c);
        int[] ids = {3, 0, 10, 3, 3, 7};
        Tensor gIds = gpu(Tensor.ofInts(ids, 2, 3));
        Tensor out = poisoned(2, 3, c);
        cuda.embedding(gpu(w), gIds, out);
        float[] ws = w.toFloatArray(), os = out.toFloatArray();
        for (int i = 0; i < ids.length; i++)
            for (int j = 0; j < c; j++) assertEquals(ws[ids[i] * c + j], os[i * c + j]);
        Tensor dout = rand(45, -1, 1, 2, 3, c);
        Tensor dw = gpu(Tensor.full(1, vocab, c));
        cuda.embeddingBackward(gpu(dout), gIds, dw);
        float[] want = new float[vocab * c];
        java.util.Arrays.fill(want, 1);
        float[] ds = dout.toFloatArray();
        for (int i = 0; i < ids.length; i++) for (int j = 0; j < c; j++) want[ids[i] * c + j] += ds[i * c + j];
        assertClose(want, dw.toFloatArray(), 1e-6f, 1e-6f, "embedding backward (repeated ids add up)");
        Tensor oc = Tensor.empty(2, 3, c);
        if (cpuHas(() -> cpu().embedding(w, Tensor.ofInts(ids, 2, 3), oc))) assertClose(oc, out, 0, 0, "embedding vs cpu");
        Tensor dwc = Tensor.full(1, vocab, c);
        if (cpuHas(() -> cpu().embeddingBackward(dout, Tensor.ofInts(ids, 2, 3), dwc)))
            assertClose(dwc, dw, 1e-6f, 1e-6f, "embedding backward vs cpu");
    }

    @Test void anOutOfRangeIdIsReportedAtTheNextSync() {
        Tensor out = poisoned(2, 4);
        cuda.embedding(gpu(rand(46, -1, 1, 5, 4)), gpu(Tensor.ofInts(new int[]{1, 5}, 2)), out);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, out::toFloatArray);
        assertTrue(e.getMessage().contains("token id 5"), e.getMessage());
        assertDoesNotThrow(() -> gpu(Tensor.of(1f)).item(), "the error flag is reset");
    }

    @Test void gatherAndScatterAddAlongEachDim() {
        Tensor x = rand(47, -1, 1, 4, 5, 6);
        for (int dim = 0; dim < 3; dim++) {
            int[] idxShape = {3, 4, 5};
            int range = x.size(dim);
            int[] idx = new int[60];
            for (int i = 0; i < idx.length; i++) idx[i] = (int) (CounterRng.bits(dim, i) >>> 33) % range;
            Tensor index = Tensor.ofInts(idx, idxShape);
            Tensor out = poisoned(idxShape);
            cuda.gather(gpu(x), dim, gpu(index), out);
            float[] os = out.toFloatArray();
            for (int i = 0; i < 60; i++) {
                int[] p = {i / 20, (i / 5) % 4, i % 5};
                p[dim] = idx[i];
                assertEquals(x.get(p), os[i], "gather dim " + dim + " element " + i);
            }
            Tensor dout = rand(48 + dim, -1, 1, idxShape);
            Tensor dx = gpu(Tensor.zeros(4, 5, 6));
            cuda.scatterAdd(gpu(dout), dim, gpu(index), dx);
            float[] want = new float[120], ds = dout.toFloatArray();
            for (int i = 0; i < 60; i++) {
                int[] p = {i / 20, (i / 5) % 4, i % 5};
                p[dim] = idx[i];
                want[p[0] * 30 + p[1] * 6 + p[2]] += ds[i];
            }
            assertClose(want, dx.toFloatArray(), 1e-6f, 1e-6f, "scatterAdd dim " + dim);
            final int d = dim;
            Tensor oc = Tensor.empty(idxShape), dxc = Tensor.zeros(4, 5, 6);
            if (cpuHas(() -> cpu().gather(x, d, index, oc))) assertClose(oc, out, 0, 0, "gather vs cpu");
            if (cpuHas(() -> cpu().scatterAdd(dout, d, index, dxc))) assertClose(dxc, dx, 1e-6f, 1e-6f, "scatterAdd vs cpu");
        }
    }

    @Test void adamWOverSeveralSteps() {
        int n = 1000;
        float lr = 1e-2f, b1 = 0.9f, b2 = 0.95f, eps = 1e-8f, wd = 0.1f;
        Tensor p0 = rand(51, -1, 1, n);
        double[] p = doubles(p0), m = new double[n], v = new double[n];
        Tensor gp = gpu(p0), gm = gpu(Tensor.zeros(n)), gv = gpu(Tensor.zeros(n));
        Tensor cp = p0.copy(), cm = Tensor.zeros(n), cv = Tensor.zeros(n);
        boolean cpuAdam = true;
        for (int step = 1; step <= 5; step++) {
            Tensor g = rand(60 + step, -1, 1, n);
            double[] gd = doubles(g);
            for (int i = 0; i < n; i++) {
                m[i] = b1 * m[i] + (1 - b1) * gd[i];
                v[i] = b2 * v[i] + (1 - b2) * gd[i] * gd[i];
                double mh = m[i] / (1 - Math.pow(b1, step)), vh = v[i] / (1 - Math.pow(b2, step));
                p[i] -= lr * (mh / (Math.sqrt(vh) + eps) + wd * p[i]);
            }
            cuda.adamW(gp, gpu(g), gm, gv, lr, b1, b2, eps, wd, step);
            final int st = step;
            cpuAdam = cpuAdam && cpuHas(() -> cpu().adamW(cp, g, cm, cv, lr, b1, b2, eps, wd, st));
        }
        if (cpuAdam) assertClose(cp, gp, 1e-5f, 1e-6f, "adamW vs cpu");
        assertClose(p, gp.toFloatArray(), 1e-5f, 1e-6f, "adamW param");
        assertClose(m, gm.toFloatArray(), 1e-5f, 1e-7f, "adamW m");
        assertClose(v, gv.toFloatArray(), 1e-5f, 1e-9f, "adamW v");
    }
}
