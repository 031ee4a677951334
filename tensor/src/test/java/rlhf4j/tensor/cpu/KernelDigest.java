package rlhf4j.tensor.cpu;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import rlhf4j.tensor.ReduceOp;
import rlhf4j.tensor.UnaryOp;

/**
 * A fixed sequence of CPU kernels on fixed inputs, hashed to one number: every output bit of softmax, log-softmax
 * and its backward, layerNorm and rmsNorm forward and backward, GELU, SiLU, tanh, softplus, exp, log (forward and
 * backward), cross-entropy forward and backward, row and column sum/mean/max reductions and three AdamW steps.
 * Run as a program (by {@link ExecutionModeDeterminismTest}) it prints the digest of each of {@code rounds}
 * repetitions, so one JVM can be compared with another and the first round with the last, after the JIT compiled
 * everything. Sizes are small (so -Xint finishes fast) but leave vector tails and span several threads' chunks.
 */
public final class KernelDigest {
    private KernelDigest() {}

    static final int N = 6, C = 203, V = 1031;   // rows; a width and a vocabulary that leave vector tails

    public static void main(String[] args) {
        int rounds = Integer.parseInt(args[0]);
        long first = digest(), last = first;
        boolean stable = true;
        for (int r = 1; r < rounds; r++) {
            last = digest();
            stable &= last == first;
        }
        System.out.println("first=" + Long.toHexString(first) + " last=" + Long.toHexString(last) + " stable=" + stable);
    }

    static float[] randn(long seed, int n, float scale) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian() * scale;
        return a;
    }

    /** FNV-1a over the bits of every float handed in, in order (any NaN hashed as the canonical NaN). */
    static final class Hash {
        long h = 0xcbf29ce484222325L;

        void add(float... xs) {
            for (float x : xs) {
                h ^= Float.floatToIntBits(x);
                h *= 0x100000001b3L;
            }
        }
    }

    static FloatPtr p(float[] a) { return FloatPtr.of(a); }

    static MemorySegment s(float[] a) { return MemorySegment.ofArray(a); }

    /** One pass of the whole sequence. */
    public static long digest() {
        Hash h = new Hash();
        float[] x = randn(1, N * C, 3f), dy = randn(2, N * C, 1f), w = randn(3, C, 1f), b = randn(4, C, 0.5f);

        for (boolean log : new boolean[]{false, true}) {
            float[] y = new float[N * C], dx = new float[N * C];
            FastKernels.softmaxForward(p(y), p(x), N, C, log);
            FastKernels.softmaxBackward(p(dx), p(y), p(dy), N, C, log);
            h.add(y);
            h.add(dx);
        }

        float[] out = new float[N * C], mean = new float[N], rstd = new float[N];
        FastKernels.layerNormForward(p(out), p(mean), p(rstd), p(x), p(w), p(b), N, C, 1e-5f);
        float[] dx = new float[N * C], dw = new float[C], db = new float[C];
        FastKernels.layerNormBackward(p(dx), p(dw), p(db), p(dy), p(x), p(w), p(mean), p(rstd), N, C);
        h.add(out); h.add(mean); h.add(rstd); h.add(dx); h.add(dw); h.add(db);

        float[] rout = new float[N * C], rr = new float[N], rdx = new float[N * C], rdw = new float[C];
        FastKernels.rmsNormForward(p(rout), p(rr), p(x), p(w), N, C, 1e-5f);
        FastKernels.rmsNormBackward(p(rdx), p(rdw), p(dy), p(x), p(w), p(rr), N, C);
        h.add(rout); h.add(rr); h.add(rdx); h.add(rdw);

        float[] pos = new float[N * C];
        for (int i = 0; i < pos.length; i++) pos[i] = Math.abs(x[i]) + 1e-3f;
        for (UnaryOp op : new UnaryOp[]{UnaryOp.GELU, UnaryOp.SILU, UnaryOp.TANH, UnaryOp.SOFTPLUS, UnaryOp.SIGMOID,
                UnaryOp.EXP, UnaryOp.LOG}) {
            float[] in = op == UnaryOp.LOG ? pos : x, y = new float[N * C], g = new float[N * C];
            FastKernels.unaryRow(op, s(in), 0, 0f, s(y), 0, N * C);
            FastKernels.unaryBackwardRow(op, s(in), 0, s(y), 0, 0f, s(dy), 0, s(g), 0, N * C);
            h.add(y);
            h.add(g);
        }

        float[] logits = randn(5, N * V, 4f), losses = new float[N], lse = new float[N], dlogits = new float[N * V];
        int[] targets = {0, 17, V - 1, -100, 512, 3};
        float[] dlosses = {1f / 5, 1f / 5, 1f / 5, 0f, 1f / 5, 1f / 5};
        FastKernels.crossEntropyForward(p(losses), p(lse), p(logits), IntPtr.of(targets), -100, N, V);
        FastKernels.crossEntropyBackward(p(dlogits), p(logits), IntPtr.of(targets), p(lse), p(dlosses), -100, N, V);
        h.add(losses); h.add(lse); h.add(dlogits);

        for (ReduceOp op : new ReduceOp[]{ReduceOp.SUM, ReduceOp.MEAN, ReduceOp.MAX}) {
            float[] rows = new float[N], cols = new float[V];
            FastKernels.reduceRows(op, s(logits), 0, N, V, s(rows), 0);
            FastKernels.reduceColumns(op, s(logits), 0, N, V, s(cols), 0);
            h.add(rows); h.add(cols);
            h.add(FastKernels.reduceLongRow(op, s(logits), 0, (long) N * V));
        }

        float[] param = randn(6, N * C, 1f), m = new float[N * C], v = new float[N * C];
        for (int step = 1; step <= 3; step++)
            FastKernels.adamW(p(param), p(dy), p(m), p(v), N * C, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, step);
        h.add(param); h.add(m); h.add(v);
        return h.h;
    }
}
