package rlhf4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorMath} against {@link Math}'s double functions rounded to float, in ulps, over wide ranges and at the
 * special values; and every vector lane against its scalar twin, bit for bit.
 */
class VectorMathTest {
    static final int L = VectorMath.S.length();

    /** Distance in float ulps between a and b (both finite): the gap between their bit patterns on one number line. */
    static long ulps(float a, float b) {
        return Math.abs(ordered(a) - ordered(b));
    }

    /** Float bits mapped to a line where adjacent floats differ by 1 and −0 = +0. */
    static long ordered(float f) {
        int bits = Float.floatToIntBits(f);
        return bits >= 0 ? bits : -(long) (bits & 0x7fffffff);
    }

    /** Runs the vector form over xs (length a multiple of L). */
    static float[] vector(UnaryOperator<FloatVector> f, float[] xs) {
        float[] out = new float[xs.length];
        for (int i = 0; i < xs.length; i += L) f.apply(FloatVector.fromArray(VectorMath.S, xs, i)).intoArray(out, i);
        return out;
    }

    /** Max ulp error against the double reference; every vector lane equal in bits to the scalar twin. */
    static long check(String name, float[] xs, UnaryOperator<FloatVector> vec, FloatUnary scalar,
                      DoubleUnaryOperator reference, long maxUlps) {
        float[] v = vector(vec, xs);
        long worst = 0;
        for (int i = 0; i < xs.length; i++) {
            float x = xs[i], s = scalar.apply(x), ref = (float) reference.applyAsDouble(x);
            assertEquals(Float.floatToIntBits(s), Float.floatToIntBits(v[i]),   // any NaN counts as the same NaN
                    name + "(" + x + "): vector lane " + v[i] + " but scalar twin " + s);
            if (Float.isNaN(ref) || Float.isInfinite(ref) || Float.isNaN(s) || Float.isInfinite(s)) {
                assertEquals(ref, s, 0f, name + "(" + x + ")");
                continue;
            }
            long u = ulps(s, ref);
            assertTrue(u <= maxUlps, name + "(" + x + ") = " + s + ", expected " + ref + ": " + u + " ulps");
            worst = Math.max(worst, u);
        }
        return worst;
    }

    interface FloatUnary { float apply(float x); }

    static float[] uniform(long seed, int n, float lo, float hi) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = lo + (hi - lo) * r.nextFloat();
        return a;
    }

    /** Positive floats with uniformly random bit patterns: every binade from denormals to the largest finite. */
    static float[] allBinades(long seed, int n) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = Float.intBitsToFloat(r.nextInt(0x7f800000));
        return a;
    }

    static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) n += p.length;
        n = (n + L - 1) / L * L;   // pad with zeros to whole vectors
        float[] out = new float[n];
        int o = 0;
        for (float[] p : parts) { System.arraycopy(p, 0, out, o, p.length); o += p.length; }
        return out;
    }

    static final float[] SPECIALS = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 1f, -1f};

    @Test void expIsWithinTwoUlpsEverywhere() {
        float[] xs = concat(SPECIALS, uniform(1, 400_000, -110f, 95f), uniform(2, 100_000, -1f, 1f),
                uniform(3, 50_000, -104f, -87f), uniform(4, 20_000, 88f, 89f), new float[]{88.72283f, 88.72284f, -103.97208f});
        long worst = check("exp", xs, VectorMath::exp, VectorMath::exp, Math::exp, 2);
        assertTrue(worst >= 1, "the sample should reach a rounding difference somewhere");
        assertEquals(Float.POSITIVE_INFINITY, VectorMath.exp(89f));
        assertEquals(0f, VectorMath.exp(-200f));
        assertEquals(1f, VectorMath.exp(0f));
        assertEquals(1f, VectorMath.exp(-0f));
        assertEquals(0f, VectorMath.exp(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(VectorMath.exp(Float.NaN)));
        assertTrue(VectorMath.exp(-100f) > 0f, "e^-100 ≈ 3.7e-44 is a denormal, not 0");
    }

    @Test void logIsWithinTwoUlpsEverywhere() {
        float[] xs = concat(SPECIALS, allBinades(5, 400_000), uniform(6, 100_000, 0.5f, 2f),
                uniform(7, 20_000, -5f, 0f));
        check("log", xs, VectorMath::log, VectorMath::log, Math::log, 2);
        assertEquals(Float.NEGATIVE_INFINITY, VectorMath.log(0f));
        assertEquals(Float.NEGATIVE_INFINITY, VectorMath.log(-0f));
        assertEquals(Float.POSITIVE_INFINITY, VectorMath.log(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(VectorMath.log(-1f)));
        assertEquals(0f, VectorMath.log(1f));
        assertEquals((float) Math.log(Float.MIN_VALUE), VectorMath.log(Float.MIN_VALUE), 1e-5f);
    }

    @Test void log1pIsWithinTwoUlpsEverywhere() {
        float[] small = uniform(8, 50_000, -1f, 1f);
        for (int i = 0; i < small.length; i++) small[i] *= (float) Math.pow(2, -(i % 40));   // down to 2^-40
        float[] xs = concat(SPECIALS, small, uniform(9, 100_000, -0.999f, 1f), allBinades(10, 100_000));
        check("log1p", xs, VectorMath::log1p, VectorMath::log1p, Math::log1p, 2);
        assertEquals(Float.NEGATIVE_INFINITY, VectorMath.log1p(-1f));
        assertEquals(1e-30f, VectorMath.log1p(1e-30f));
    }

    @Test void tanhIsWithinTwoUlpsEverywhere() {
        float[] small = uniform(11, 50_000, -1f, 1f);
        for (int i = 0; i < small.length; i++) small[i] *= (float) Math.pow(2, -(i % 30));
        float[] xs = concat(SPECIALS, small, uniform(12, 200_000, -12f, 12f), uniform(13, 50_000, 0.5f, 0.6f));
        check("tanh", xs, VectorMath::tanh, VectorMath::tanh, Math::tanh, 2);
        assertEquals(1f, VectorMath.tanh(Float.POSITIVE_INFINITY));
        assertEquals(-1f, VectorMath.tanh(Float.NEGATIVE_INFINITY));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(VectorMath.tanh(-0f)));
        assertTrue(Float.isNaN(VectorMath.tanh(Float.NaN)));
    }
}
