package rlhf4j.transformer.infer;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * A linear map laid out once for decoding: {@code y[r] = x[r] · W + b} for a block of rows (one per stream), with W
 * stored (in, out) row-major, each row padded with zeros to whole vectors, so the kernel broadcasts one input and
 * multiplies it into runs of outputs with no scalar remainder (the last run is stored under a mask), and each
 * block of weights is loaded once for two rows (four for the last runs).
 *
 * <p>Every output is {@code fma(x[in−1], W[in−1][o], … fma(x[0], W[0][o], 0))}, summed in input order, then + b,
 * then + y when accumulating: the same bits whichever rows share the call and whether the vector or the scalar
 * path computes it.
 */
public final class DecodeLinear {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    final float[] weight;   // (in, stride): out columns, then zeros
    final float[] bias;     // (stride), or null
    final int in, out, stride;

    public DecodeLinear(float[] weight, int in, int out, float[] bias) {
        if (weight.length != (long) in * out || (bias != null && bias.length != out))
            throw new IllegalArgumentException("weight " + weight.length + " / bias do not fit (" + in + ", " + out + ")");
        this.in = in;
        this.out = out;
        this.stride = (out + L - 1) / L * L;
        this.weight = new float[in * stride];
        for (int i = 0; i < in; i++) System.arraycopy(weight, i * out, this.weight, i * stride, out);
        this.bias = bias == null ? null : java.util.Arrays.copyOf(bias, stride);
    }

    /** W (out, in) row-major, as a PyTorch Linear stores it, laid out (in, out). */
    public static DecodeLinear ofOutIn(float[] w, int out, int in, float[] bias) {
        float[] t = new float[w.length];
        for (int o = 0; o < out; o++)
            for (int i = 0; i < in; i++) t[i * out + o] = w[o * in + i];
        return new DecodeLinear(t, in, out, bias);
    }

    public int in() { return in; }

    public int out() { return out; }

    /** Rows r0..r1−1: y (rows, out) = or += x (rows, in) · W + b. */
    public void apply(float[] x, float[] y, int r0, int r1, boolean accumulate, boolean vector) {
        if (vector) vector(x, y, r0, r1, accumulate); else scalar(x, y, r0, r1, accumulate);
    }

    void scalar(float[] x, float[] y, int r0, int r1, boolean accumulate) {
        for (int r = r0; r < r1; r++)
            for (int o = 0; o < out; o++) {
                float acc = 0;
                for (int i = 0, xi = r * in, w = o; i < in; i++, w += stride) acc = Math.fma(x[xi + i], weight[w], acc);
                if (bias != null) acc += bias[o];
                int yo = r * out + o;
                y[yo] = accumulate ? acc + y[yo] : acc;
            }
    }

    void vector(float[] x, float[] y, int r0, int r1, boolean accumulate) {
        int o = 0;
        for (; o + 4 * L <= out; o += 4 * L) {
            int r = r0;
            for (; r + 2 <= r1; r += 2) block4x2(x, y, r, o, accumulate);
            for (; r < r1; r++) block4x1(x, y, r, o, accumulate);
        }
        for (; o < stride; o += L) {
            int r = r0;
            for (; r + 4 <= r1; r += 4) block1x4(x, y, r, o, accumulate);
            for (; r < r1; r++) block1x1(x, y, r, o, accumulate);
        }
    }

    /** Two rows × four vectors of outputs: eight accumulators, each weight vector used twice. */
    private void block4x2(float[] x, float[] y, int r, int o, boolean accumulate) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int xa = r * in, xb = xa + in;
        for (int i = 0, w = o; i < in; i++, w += stride) {
            FloatVector w0 = FloatVector.fromArray(S, weight, w), w1 = FloatVector.fromArray(S, weight, w + L);
            FloatVector w2 = FloatVector.fromArray(S, weight, w + 2 * L), w3 = FloatVector.fromArray(S, weight, w + 3 * L);
            FloatVector xv = FloatVector.broadcast(S, x[xa + i]), xw = FloatVector.broadcast(S, x[xb + i]);
            a0 = w0.fma(xv, a0); a1 = w1.fma(xv, a1); a2 = w2.fma(xv, a2); a3 = w3.fma(xv, a3);
            b0 = w0.fma(xw, b0); b1 = w1.fma(xw, b1); b2 = w2.fma(xw, b2); b3 = w3.fma(xw, b3);
        }
        int ya = r * out + o, yb = ya + out;
        if (bias != null) {
            FloatVector c0 = bias(o), c1 = bias(o + L), c2 = bias(o + 2 * L), c3 = bias(o + 3 * L);
            a0 = a0.add(c0); a1 = a1.add(c1); a2 = a2.add(c2); a3 = a3.add(c3);
            b0 = b0.add(c0); b1 = b1.add(c1); b2 = b2.add(c2); b3 = b3.add(c3);
        }
        if (accumulate) {
            a0 = a0.add(at(y, ya)); a1 = a1.add(at(y, ya + L)); a2 = a2.add(at(y, ya + 2 * L)); a3 = a3.add(at(y, ya + 3 * L));
            b0 = b0.add(at(y, yb)); b1 = b1.add(at(y, yb + L)); b2 = b2.add(at(y, yb + 2 * L)); b3 = b3.add(at(y, yb + 3 * L));
        }
        a0.intoArray(y, ya); a1.intoArray(y, ya + L); a2.intoArray(y, ya + 2 * L); a3.intoArray(y, ya + 3 * L);
        b0.intoArray(y, yb); b1.intoArray(y, yb + L); b2.intoArray(y, yb + 2 * L); b3.intoArray(y, yb + 3 * L);
    }

    private void block4x1(float[] x, float[] y, int r, int o, boolean accumulate) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        int xa = r * in;
        for (int i = 0, w = o; i < in; i++, w += stride) {
            FloatVector xv = FloatVector.broadcast(S, x[xa + i]);
            a0 = FloatVector.fromArray(S, weight, w).fma(xv, a0);
            a1 = FloatVector.fromArray(S, weight, w + L).fma(xv, a1);
            a2 = FloatVector.fromArray(S, weight, w + 2 * L).fma(xv, a2);
            a3 = FloatVector.fromArray(S, weight, w + 3 * L).fma(xv, a3);
        }
        int ya = r * out + o;
        if (bias != null) { a0 = a0.add(bias(o)); a1 = a1.add(bias(o + L)); a2 = a2.add(bias(o + 2 * L)); a3 = a3.add(bias(o + 3 * L)); }
        if (accumulate) { a0 = a0.add(at(y, ya)); a1 = a1.add(at(y, ya + L)); a2 = a2.add(at(y, ya + 2 * L)); a3 = a3.add(at(y, ya + 3 * L)); }
        a0.intoArray(y, ya); a1.intoArray(y, ya + L); a2.intoArray(y, ya + 2 * L); a3.intoArray(y, ya + 3 * L);
    }

    /** Four rows × one vector of outputs (the runs left after whole blocks of four vectors). */
    private void block1x4(float[] x, float[] y, int r, int o, boolean accumulate) {
        FloatVector a = FloatVector.zero(S), b = a, c = a, d = a;
        int xa = r * in;
        for (int i = 0, w = o; i < in; i++, w += stride) {
            FloatVector wv = FloatVector.fromArray(S, weight, w);
            a = wv.fma(FloatVector.broadcast(S, x[xa + i]), a);
            b = wv.fma(FloatVector.broadcast(S, x[xa + in + i]), b);
            c = wv.fma(FloatVector.broadcast(S, x[xa + 2 * in + i]), c);
            d = wv.fma(FloatVector.broadcast(S, x[xa + 3 * in + i]), d);
        }
        storeRun(a, y, r, o, accumulate);
        storeRun(b, y, r + 1, o, accumulate);
        storeRun(c, y, r + 2, o, accumulate);
        storeRun(d, y, r + 3, o, accumulate);
    }

    private void block1x1(float[] x, float[] y, int r, int o, boolean accumulate) {
        FloatVector a = FloatVector.zero(S);
        int xa = r * in;
        for (int i = 0, w = o; i < in; i++, w += stride)
            a = FloatVector.fromArray(S, weight, w).fma(FloatVector.broadcast(S, x[xa + i]), a);
        storeRun(a, y, r, o, accumulate);
    }

    private FloatVector bias(int o) { return FloatVector.fromArray(S, bias, o); }

    private static FloatVector at(float[] a, int i) { return FloatVector.fromArray(S, a, i); }

    // the blocks of four runs store inline: a call taking vectors, should the JIT not inline it, boxes them

    /** Outputs o.. of row r (whole vectors). */
    private void store(FloatVector a, float[] y, int r, int o, boolean accumulate) {
        if (bias != null) a = a.add(FloatVector.fromArray(S, bias, o));
        int yo = r * out + o;
        if (accumulate) a = a.add(FloatVector.fromArray(S, y, yo));
        a.intoArray(y, yo);
    }

    /** Outputs o.. of row r, the last run under a mask where it reaches into the padding. */
    private void storeRun(FloatVector a, float[] y, int r, int o, boolean accumulate) {
        if (o + L <= out) {
            store(a, y, r, o, accumulate);
            return;
        }
        if (bias != null) a = a.add(FloatVector.fromArray(S, bias, o));
        int yo = r * out + o;
        VectorMask<Float> m = S.indexInRange(o, out);
        if (accumulate) a = a.add(FloatVector.fromArray(S, y, yo, m));
        a.intoArray(y, yo, m);
    }
}
