package rlhf4j.transformer.infer;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;


/**
 * Llama's feed-forward, fused: {@code [g | u] = x · [Wgate | Wup]} in one product, {@code a = silu(g) · u} with
 * silu(g) = g / (1 + e^(−g)), then {@code residual += a · Wdown}.
 */
public final class SwiGluMlp implements DecodeMlp {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    final DecodeLinear gateUp;   // C → 2H: gate in [0, H), up in [H, 2H)
    final DecodeLinear down;     // H → C
    private final int h;

    public SwiGluMlp(DecodeLinear gateUp, DecodeLinear down) {
        if (gateUp.out() != 2 * down.in()) throw new IllegalArgumentException("gate/up gives " + gateUp.out() + " features, down takes " + down.in());
        this.gateUp = gateUp;
        this.down = down;
        this.h = down.in();
    }

    @Override public int hiddenWidth() { return 2 * h; }

    @Override public int activationWidth() { return h; }

    @Override public void apply(float[] x, float[] hidden, float[] act, float[] residual, int r0, int r1, boolean vector) {
        gateUp.apply(x, hidden, r0, r1, false, vector);
        int whole = vector ? h - h % S.length() : 0;                   // vector lanes, then a scalar tail
        for (int r = r0; r < r1; r++) {
            int g = r * 2 * h, a = r * h;
            for (int i = 0; i < whole; i++) act[a + i] = -hidden[g + i];
            if (whole > 0) DecodeMath.expShifted(act, a, whole, 0f);     // e^(−g), the same bits as the scalar exp
            for (int i = 0; i < whole; i += S.length()) {
                FloatVector gv = FloatVector.fromArray(S, hidden, g + i);
                FloatVector silu = gv.div(FloatVector.fromArray(S, act, a + i).add(1f));
                silu.mul(FloatVector.fromArray(S, hidden, g + h + i)).intoArray(act, a + i);
            }
            for (int i = whole; i < h; i++) {
                float gv = hidden[g + i];
                act[a + i] = gv / (DecodeMath.exp(-gv) + 1f) * hidden[g + h + i];
            }
        }
        down.apply(act, residual, r0, r1, true, vector);
    }
}
