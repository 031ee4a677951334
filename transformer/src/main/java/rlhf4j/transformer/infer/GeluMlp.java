package rlhf4j.transformer.infer;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import rlhf4j.tensor.cpu.VectorMath;

/**
 * GPT-2's feed-forward, fused: {@code a = gelu(x · Wfc + bfc)} with the tanh approximation
 * gelu(z) = ½ z (1 + tanh(√(2/π) (z + 0.044715 z³))), then {@code residual += a · Wproj + bproj}.
 */
public final class GeluMlp implements DecodeMlp {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final float C = (float) Math.sqrt(2.0 / Math.PI), K = 0.044715f;

    final DecodeLinear fc, proj;

    public GeluMlp(DecodeLinear fc, DecodeLinear proj) {
        if (fc.out() != proj.in()) throw new IllegalArgumentException("c_fc gives " + fc.out() + " features, c_proj takes " + proj.in());
        this.fc = fc;
        this.proj = proj;
    }

    @Override public int hiddenWidth() { return fc.out(); }

    @Override public int activationWidth() { return fc.out(); }

    @Override public void apply(float[] x, float[] hidden, float[] act, float[] residual, int r0, int r1, boolean vector) {
        fc.apply(x, hidden, r0, r1, false, vector);
        int n = fc.out();
        for (int r = r0; r < r1; r++) {
            int off = r * n, i = 0;
            if (vector)
                for (; i + S.length() <= n; i += S.length()) {
                    FloatVector z = FloatVector.fromArray(S, hidden, off + i);
                    FloatVector u = z.mul(z).mul(z).fma(FloatVector.broadcast(S, K), z).mul(C);
                    z.mul(0.5f).mul(VectorMath.tanh(u).add(1f)).intoArray(act, off + i);
                }
            for (; i < n; i++) {
                float z = hidden[off + i], u = Math.fma(z * z * z, K, z) * C;
                act[off + i] = z * 0.5f * (VectorMath.tanh(u) + 1f);
            }
        }
        proj.apply(act, residual, r0, r1, true, vector);
    }
}
