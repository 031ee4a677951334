package rlhf4j.transformer.infer;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The per-row norms of decoding, scalar and vector side by side.
 * RMSNorm: {@code y = w · x / √(mean(x²) + ε)}; LayerNorm: {@code y = w · (x − μ) / √(mean((x − μ)²) + ε) + b}.
 */
public final class DecodeNorm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    final float[] weight, bias;   // (C); bias null for RMSNorm
    final float eps;
    final boolean rms;

    private DecodeNorm(float[] weight, float[] bias, float eps, boolean rms) {
        this.weight = weight;
        this.bias = bias;
        this.eps = eps;
        this.rms = rms;
    }

    public static DecodeNorm rms(float[] weight, double eps) { return new DecodeNorm(weight, null, (float) eps, true); }

    public static DecodeNorm layer(float[] weight, float[] bias, double eps) { return new DecodeNorm(weight, bias, (float) eps, false); }

    /** Rows r0..r1−1 of x (rows, C) normalised into y (rows, C). */
    public void apply(float[] x, float[] y, int r0, int r1, boolean vector) {
        int c = weight.length;
        for (int r = r0; r < r1; r++) {
            int off = r * c;
            float mean = rms ? 0f : plainSum(x, off, c, vector) / c;
            float var = squaredDeviations(x, off, c, mean, vector) / c;
            float scale = (float) (1.0 / Math.sqrt(var + eps));
            if (vector) scaleVector(x, y, off, mean, scale); else scaleScalar(x, y, off, mean, scale);
        }
    }

    private void scaleScalar(float[] x, float[] y, int off, float mean, float scale) {
        for (int i = 0; i < weight.length; i++) {
            float v = (x[off + i] - mean) * scale * weight[i];
            y[off + i] = bias != null ? v + bias[i] : v;
        }
    }

    private void scaleVector(float[] x, float[] y, int off, float mean, float scale) {
        int c = weight.length, i = 0;
        for (; i + S.length() <= c; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, off + i).sub(mean).mul(scale).mul(FloatVector.fromArray(S, weight, i));
            if (bias != null) v = v.add(FloatVector.fromArray(S, bias, i));
            v.intoArray(y, off + i);
        }
        for (; i < c; i++) {
            float v = (x[off + i] - mean) * scale * weight[i];
            y[off + i] = bias != null ? v + bias[i] : v;
        }
    }

    static float plainSum(float[] x, int off, int n, boolean vector) {
        float s = 0;
        int i = 0;
        if (vector) {
            FloatVector a = FloatVector.zero(S);
            for (; i + S.length() <= n; i += S.length()) a = a.add(FloatVector.fromArray(S, x, off + i));
            s = DecodeMath.sum(a);
        }
        for (; i < n; i++) s += x[off + i];
        return s;
    }

    static float squaredDeviations(float[] x, int off, int n, float m, boolean vector) {
        float s = 0;
        int i = 0;
        if (vector) {
            FloatVector a = FloatVector.zero(S);
            for (; i + S.length() <= n; i += S.length()) {
                FloatVector d = FloatVector.fromArray(S, x, off + i).sub(m);
                a = d.fma(d, a);
            }
            s = DecodeMath.sum(a);
        }
        for (; i < n; i++) s = Math.fma(x[off + i] - m, x[off + i] - m, s);
        return s;
    }
}
