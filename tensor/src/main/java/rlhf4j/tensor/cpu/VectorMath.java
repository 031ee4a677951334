package rlhf4j.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp, log, log1p and tanh in float, each as a vector method and its scalar twin side by side, built only from
 * operations that IEEE 754 rounds exactly (+, −, ×, ÷, fma, comparisons, bit moves). The JDK's own vector
 * {@code lanewise(EXP)} and friends are computed by one library in the interpreter and by another (SVML) once C2
 * compiles them, so their low bits change while a program warms up; these give the same bits in every execution
 * mode, and the vector lane and the scalar twin give the same bits for the same input.
 *
 * <p>The recipe is the textbook one: reduce the argument to a small interval with an exact or nearly exact step,
 * evaluate a short polynomial there with fma (Horner's rule), and undo the reduction. Accuracy is within about
 * 2 float ulps of {@link Math}'s double result rounded to float; {@code VectorMathTest} checks it over wide ranges.
 * Keep the vector and scalar methods in step: same constants, same operations, same order.
 */
public final class VectorMath {
    private VectorMath() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> IS = IntVector.SPECIES_PREFERRED;   // as many int lanes as float lanes

    // ln 2 = LN2_HI + LN2_LO; LN2_HI has 9 trailing zero bits, so n·LN2_HI is exact for |n| < 2⁹.
    static final float LN2_HI = 0x1.62e4p-1f, LN2_LO = 0x1.7f7d1cp-20f;
    static final float LOG2E = 0x1.715476p0f;
    /** Adding 1.5·2²³ rounds a float of magnitude < 2²² to an integer (round half to even); subtracting it back is exact. */
    static final float ROUNDER = 0x1.8p23f;
    static final int ROUNDER_BITS = 0x4B400000;   // Float.floatToRawIntBits(ROUNDER)
    /** Below EXP_MIN e^x rounds to 0, above EXP_MAX to ∞; clamping there keeps 2ⁿ inside the int bit trick. */
    static final float EXP_MIN = -104f, EXP_MAX = 89f;
    // e^r ≈ Σ r^k / k!, k ≤ 7, on |r| ≤ ln2/2: truncation error < 2.2e-9 relative, far below half an ulp.
    static final float E2 = 1f / 2, E3 = 1f / 6, E4 = 1f / 24, E5 = 1f / 120, E6 = 1f / 720, E7 = 1f / 5040;

    /** A vector of v in every lane (the JIT hoists it out of loops). */
    static FloatVector c(float v) { return FloatVector.broadcast(S, v); }

    // ================================================================================================= exp

    /**
     * e^x: x = n·ln2 + r with n = round(x/ln2) and |r| ≤ ln2/2 (Cody–Waite: r = x − n·LN2_HI − n·LN2_LO, each
     * step one fma), e^r by its Taylor polynomial, then ·2ⁿ. 2ⁿ is applied as 2^⌊n/2⌋ · 2^(n−⌊n/2⌋) so that n
     * from −150 (denormal results, rounded once by the last multiply) to 128 (overflow to ∞) works.
     * NaN stays NaN (max/min and the float-to-int conversion of NaN, 0, let it through).
     */
    public static FloatVector exp(FloatVector x) {
        x = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector shifted = x.fma(LOG2E, ROUNDER);
        FloatVector n = shifted.sub(ROUNDER);                          // round(x·log₂e)
        FloatVector r = n.fma(c(-LN2_HI), x);
        r = n.fma(c(-LN2_LO), r);                                      // x − n·ln2
        FloatVector p = r.fma(E7, E6).fma(r, c(E5)).fma(r, c(E4)).fma(r, c(E3)).fma(r, c(E2)).fma(r, c(1f)).fma(r, c(1f));
        // the integer n read from shifted's low mantissa bits (shifted is in [2²³, 2²⁴)): the same k as (int) n, without
        // a float-to-int conversion, which C2 on AVX2 recompiles into a slow path (30× slower) after warm-up
        IntVector k = ints(shifted).sub(ROUNDER_BITS);
        IntVector k1 = k.lanewise(VectorOperators.ASHR, 1), k2 = k.sub(k1);
        return p.mul(pow2(k1)).mul(pow2(k2));
    }

    /** Scalar twin of {@link #exp(FloatVector)}. */
    public static float exp(float x) {
        x = Math.min(Math.max(x, EXP_MIN), EXP_MAX);
        float n = Math.fma(x, LOG2E, ROUNDER) - ROUNDER;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, E7, E6);
        p = Math.fma(p, r, E5);
        p = Math.fma(p, r, E4);
        p = Math.fma(p, r, E3);
        p = Math.fma(p, r, E2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        int k = (int) n, k1 = k >> 1, k2 = k - k1;
        return p * pow2(k1) * pow2(k2);
    }

    /** 2ᵏ for −126 ≤ k ≤ 127, written straight into the exponent bits. */
    static FloatVector pow2(IntVector k) {
        return floats(k.add(127).lanewise(VectorOperators.LSHL, 23));
    }

    /**
     * The bits of x as ints, and back. reinterpretShape to a constant species, not reinterpretAs*(), which derives its
     * target species at run time: C2 cannot intrinsify that, and every op on the result then runs lane by lane.
     */
    static IntVector ints(FloatVector x) { return (IntVector) x.reinterpretShape(IS, 0); }

    static FloatVector floats(IntVector x) { return (FloatVector) x.reinterpretShape(S, 0); }

    static float pow2(int k) { return Float.intBitsToFloat((k + 127) << 23); }

    // ================================================================================================= log

    static final int SQRT_HALF_BITS = 0x3f3504f3;   // bits of √½
    // log(1+f) = 2·atanh(s), s = f/(2+f); R(z) = 2/3·z + 2/5·z² + 2/7·z³ + 2/9·z⁴, z = s² ≤ 0.0295.
    static final float LG1 = 2f / 3, LG2 = 2f / 5, LG3 = 2f / 7, LG4 = 2f / 9;

    /**
     * log x: x = 2ᵉ·m with m in [√½, √2) (denormals scaled by 2²⁵ first), f = m − 1 (exact), and
     * log m = f − f²/2 + s·(f²/2 + R(s²)), s = f/(2 + f): the large term f is exact and the rounded terms are
     * corrections, which keeps the error near one ulp. Then + e·ln2. log 0 = −∞, log ∞ = ∞, log of a negative
     * number or NaN = NaN.
     */
    public static FloatVector log(FloatVector x) {
        VectorMask<Float> tiny = x.compare(VectorOperators.LT, 0x1p-126f);
        FloatVector xs = x.blend(x.mul(0x1p25f), tiny);
        IntVector ix = ints(xs).add(0x3f800000 - SQRT_HALF_BITS);
        FloatVector e = (FloatVector) ix.lanewise(VectorOperators.ASHR, 23).sub(127).convert(VectorOperators.I2F, 0);
        e = e.blend(e.sub(25f), tiny);
        FloatVector m = floats(ix.and(0x007fffff).add(SQRT_HALF_BITS));
        FloatVector f = m.sub(1f);
        FloatVector s = f.div(f.add(2f));
        FloatVector z = s.mul(s);
        FloatVector R = z.fma(LG4, LG3).fma(z, c(LG2)).fma(z, c(LG1)).mul(z);
        FloatVector hfsq = f.mul(0.5f).mul(f);
        FloatVector y = e.mul(LN2_HI).add(f.sub(hfsq.sub(s.mul(hfsq.add(R)).add(e.mul(LN2_LO)))));
        y = y.blend(Float.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, 0f));
        y = y.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
        return y.blend(Float.NaN, x.compare(VectorOperators.LT, 0f).or(x.test(VectorOperators.IS_NAN)));
    }

    /** Scalar twin of {@link #log(FloatVector)}. */
    public static float log(float x) {
        boolean tiny = x < 0x1p-126f;
        float xs = tiny ? x * 0x1p25f : x;
        int ix = Float.floatToRawIntBits(xs) + (0x3f800000 - SQRT_HALF_BITS);
        float e = (float) ((ix >> 23) - 127);
        if (tiny) e = e - 25f;
        float m = Float.intBitsToFloat((ix & 0x007fffff) + SQRT_HALF_BITS);
        float f = m - 1f;
        float s = f / (f + 2f);
        float z = s * s;
        float R = Math.fma(Math.fma(Math.fma(z, LG4, LG3), z, LG2), z, LG1) * z;
        float hfsq = f * 0.5f * f;
        float y = e * LN2_HI + (f - (hfsq - (s * (hfsq + R) + e * LN2_LO)));
        if (x == 0f) y = Float.NEGATIVE_INFINITY;
        if (x == Float.POSITIVE_INFINITY) y = Float.POSITIVE_INFINITY;
        if (x < 0f || Float.isNaN(x)) y = Float.NaN;
        return y;
    }

    // ================================================================================================= log1p

    /**
     * log(1 + x) accurate for small x: u = 1 + x (rounded), then log u + (x − (u − 1))/u, the second term
     * correcting for the rounding of u to first order (u = 1 gives exactly x). −1 → −∞, ∞ → ∞.
     */
    public static FloatVector log1p(FloatVector x) {
        FloatVector u = x.add(1f);
        FloatVector logU = log(u);
        FloatVector y = logU.add(x.sub(u.sub(1f)).div(u));
        return y.blend(logU, u.compare(VectorOperators.EQ, 0f).or(u.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY)));
    }

    /** Scalar twin of {@link #log1p(FloatVector)}. */
    public static float log1p(float x) {
        float u = x + 1f;
        float logU = log(u);
        float y = logU + (x - (u - 1f)) / u;
        return u == 0f || u == Float.POSITIVE_INFINITY ? logU : y;
    }

    // ================================================================================================= tanh

    /** Below this |x|, tanh x = x in float (x³/3 is under half an ulp of x). */
    static final float TANH_TINY = 0x1p-12f;
    /** At and above this |x| the exp form is used; below it the odd Taylor polynomial. */
    static final float TANH_SPLIT = 0.55f;
    // tanh x = x + x·z·P(z), z = x²; Taylor coefficients of x³ .. x²¹ (the next term is < 1e-9 relative at 0.55).
    static final float T3 = -0.3333333333333333f, T5 = 0.13333333333333333f, T7 = -0.05396825396825397f, T9 = 0.021869488536155203f,
            T11 = -0.008863235529902197f, T13 = 0.003592128036572481f, T15 = -0.0014558343870513183f,
            T17 = 0.000590027440945586f, T19 = -0.00023912911424355248f, T21 = 9.691537956929451e-05f;

    /**
     * tanh x: for |x| ≥ 0.55, sign(x)·(1 − e)/(1 + e) with e = e^(−2|x|) ≤ 1/3, so neither sum cancels badly;
     * below, x + x³·P(x²). ±∞ → ±1, NaN → NaN.
     */
    public static FloatVector tanh(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector e = exp(a.mul(-2f));
        FloatVector big = FloatVector.broadcast(S, 1f).sub(e).div(e.add(1f));
        big = big.blend(big.neg(), x.compare(VectorOperators.LT, 0f));
        FloatVector z = x.mul(x);
        FloatVector p = z.fma(T21, T19).fma(z, c(T17)).fma(z, c(T15)).fma(z, c(T13)).fma(z, c(T11)).fma(z, c(T9)).fma(z, c(T7))
                .fma(z, c(T5)).fma(z, c(T3));
        FloatVector small = x.mul(z).fma(p, x);
        return small.blend(big, a.compare(VectorOperators.GE, TANH_SPLIT)).blend(x, a.compare(VectorOperators.LT, TANH_TINY));
    }

    /** Scalar twin of {@link #tanh(FloatVector)}. */
    public static float tanh(float x) {
        float a = Math.abs(x);
        if (a < TANH_TINY) return x;
        if (a >= TANH_SPLIT) {
            float e = exp(a * -2f);
            float big = (1f - e) / (e + 1f);
            return x < 0f ? -big : big;
        }
        float z = x * x;
        float p = Math.fma(z, T21, T19);
        p = Math.fma(p, z, T17);
        p = Math.fma(p, z, T15);
        p = Math.fma(p, z, T13);
        p = Math.fma(p, z, T11);
        p = Math.fma(p, z, T9);
        p = Math.fma(p, z, T7);
        p = Math.fma(p, z, T5);
        p = Math.fma(p, z, T3);
        return Math.fma(x * z, p, x);
    }
}
