package rlhf4j.transformer.infer;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * e^x for decoding's softmax and SiLU, vector and scalar twins with the same operations in the same order (so the
 * same bits): x clamped to [−87, 88], x = n·ln2 + r (Cody–Waite, two fma steps), e^r by its degree-7 Taylor
 * polynomial (Horner, fma), times 2ⁿ built in the exponent bits. The integer n is read straight from the bits of
 * x·log₂e + 1.5·2²³ (a float in [2²³, 2²⁴) holds its integer in the low mantissa bits), which avoids a
 * float-to-int conversion. Relative error below 1e-7 over the range.
 */
public final class DecodeMath {
    private DecodeMath() {}

    public static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());
    private static final float LN2_HI = 0x1.62e4p-1f, LN2_LO = 0x1.7f7d1cp-20f, LOG2E = 0x1.715476p0f, ROUNDER = 0x1.8p23f;
    private static final float E2 = 1f / 2, E3 = 1f / 6, E4 = 1f / 24, E5 = 1f / 120, E6 = 1f / 720, E7 = 1f / 5040;
    private static final float LO = -87f, HI = 88f;
    private static final int BIAS = 0x4B400000 - 127;   // bits of ROUNDER, less the exponent bias

    private static FloatVector c(float v) { return FloatVector.broadcast(S, v); }

    public static FloatVector exp(FloatVector x) {
        x = x.max(c(LO)).min(c(HI));
        FloatVector shifted = x.fma(c(LOG2E), c(ROUNDER));
        FloatVector n = shifted.sub(c(ROUNDER));
        FloatVector r = n.fma(c(-LN2_HI), x);
        r = n.fma(c(-LN2_LO), r);
        FloatVector p = r.fma(c(E7), c(E6)).fma(r, c(E5)).fma(r, c(E4)).fma(r, c(E3)).fma(r, c(E2)).fma(r, c(1f)).fma(r, c(1f));
        // reinterpretShape to a constant species: reinterpretAs*() derives its target species at run time, which the
        // JIT cannot intrinsify (the multiply would then run lane by lane)
        IntVector bits = (IntVector) shifted.reinterpretShape(I, 0);
        IntVector pow2 = bits.sub(IntVector.broadcast(I, BIAS)).mul(IntVector.broadcast(I, 1 << 23));   // << 23
        return p.mul((FloatVector) pow2.reinterpretShape(S, 0));
    }

    public static float exp(float x) {
        x = Math.min(Math.max(x, LO), HI);
        float shifted = Math.fma(x, LOG2E, ROUNDER);
        float n = shifted - ROUNDER;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, E7, E6);
        p = Math.fma(p, r, E5);
        p = Math.fma(p, r, E4);
        p = Math.fma(p, r, E3);
        p = Math.fma(p, r, E2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        return p * Float.intBitsToFloat((Float.floatToRawIntBits(shifted) - BIAS) << 23);
    }

    /**
     * a[from .. from+n) ← exp(a − shift) for n a whole number of vectors; returns their sum (lanes
     * added by {@link #sum}'s tree). One loop with the exponential inlined, so every vector op compiles to
     * instructions (a call per vector would box).
     */
    public static float expShifted(float[] a, int from, int n, float shift) {
        FloatVector acc = FloatVector.zero(S);
        for (int i = from, end = from + n; i < end; i += S.length()) {
            FloatVector e = exp(FloatVector.fromArray(S, a, i).sub(shift));
            e.intoArray(a, i);
            acc = acc.add(e);
        }
        return sum(acc);
    }

    /**
     * The lanes of a summed by a fixed tree ({@code reduceLanes(ADD)} is not used: its order differs between the
     * interpreter and compiled code, and a stream's bits must not depend on when the JIT got to it).
     */
    public static float sum(FloatVector a) { return LaneSums.sum(a); }
}
