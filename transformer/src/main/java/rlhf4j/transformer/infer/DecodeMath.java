package rlhf4j.transformer.infer;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * e^x for decoding's softmax and SiLU, vector and scalar twins with the same operations in the same order (so the
 * same bits): x clamped to [−87, 88], x = n·ln2 + r (Cody–Waite, two fma steps), e^r by its degree-7 Taylor
 * polynomial (Horner, fma), times 2ⁿ built in the exponent bits. The integer n is read straight from the bits of
 * x·log₂e + 1.5·2²³ (a float in [2²³, 2²⁴) holds its integer in the low mantissa bits), which avoids a
 * float-to-int conversion. Relative error below 1e-7 over the range. The vector form is an array kernel
 * ({@link #expShifted}), the one place its steps are written, so each step compiles to vector instructions.
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

    /** e^x lane by lane (for tests and cold paths: hot loops call {@link #expShifted}, which holds the same steps). */
    public static FloatVector exp(FloatVector x) {
        float[] a = x.toArray();
        expShifted(a, 0, a.length, 0f);
        return FloatVector.fromArray(S, a, 0);
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
     * a[from .. from+len) ← exp(a − shift), lanes past len up to a whole vector set to 0 (the array must reach that
     * far); returns their sum, lanes added by {@link #sum}'s tree. The exponential's steps are written out in this
     * one loop, never behind a call taking a vector: a callee the JIT declines to inline boxes its vectors and runs
     * the lanes one by one.
     */
    public static float expShifted(float[] a, int from, int len, float shift) {
        FloatVector lo = c(LO), hi = c(HI), log2e = c(LOG2E), rounder = c(ROUNDER), ln2hi = c(-LN2_HI), ln2lo = c(-LN2_LO);
        FloatVector e7 = c(E7), e6 = c(E6), e5 = c(E5), e4 = c(E4), e3 = c(E3), e2 = c(E2), one = c(1f);
        IntVector bias = IntVector.broadcast(I, BIAS), shift23 = IntVector.broadcast(I, 1 << 23);
        FloatVector acc = FloatVector.zero(S);
        for (int t = 0; t < len; t += S.length()) {
            FloatVector x = FloatVector.fromArray(S, a, from + t).sub(shift).max(lo).min(hi);
            FloatVector shifted = x.fma(log2e, rounder);
            FloatVector n = shifted.sub(rounder);
            FloatVector r = n.fma(ln2hi, x);
            r = n.fma(ln2lo, r);
            FloatVector p = r.fma(e7, e6).fma(r, e5).fma(r, e4).fma(r, e3).fma(r, e2).fma(r, one).fma(r, one);
            // reinterpretShape to a constant species: reinterpretAs*() derives its target at run time, which the JIT
            // cannot intrinsify (the multiply would run lane by lane); × 2²³ is << 23
            IntVector pow2 = ((IntVector) shifted.reinterpretShape(I, 0)).sub(bias).mul(shift23);
            FloatVector e = p.mul((FloatVector) pow2.reinterpretShape(S, 0));
            if (t + S.length() > len) e = e.blend(0f, S.indexInRange(t, len).not());
            e.intoArray(a, from + t);
            acc = acc.add(e);
        }
        return LaneSums.sumInline(acc);
    }

    /**
     * The lanes of a summed by a fixed tree ({@code reduceLanes(ADD)} is not used: its order differs between the
     * interpreter and compiled code, and a stream's bits must not depend on when the JIT got to it).
     */
    public static float sum(FloatVector a) { return LaneSums.sum(a); }
}
