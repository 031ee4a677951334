package rlhf4j.transformer.infer;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dot products of one weight run with eight (or twice eight) value runs, each kept in its own accumulator, and the
 * accumulators' lanes summed together by a fixed tree of lane-wise adds ({@link #fold1} .. {@link #fold8}): the
 * sum of accumulator i lands in lane i. The tree is the same in the interpreter and in compiled code (unlike
 * {@code reduceLanes(ADD)}), so the bits do not depend on when the JIT got to a stream. For 8 or 16 lanes
 * ({@link #sum} for any).
 */
final class LaneSums {
    private LaneSums() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    static final boolean SUPPORTED = L == 8 || L == 16;
    private static final int R = StreamCache.RUN;   // positions per run: feature rows are R apart

    // fold s: lanes with bit s clear take x[i] + x[i+s], lanes with bit s set take y[i−s] + y[i]
    private static final VectorShuffle<Float> UP1 = up(1), DOWN1 = up(-1), UP2 = up(2), DOWN2 = up(-2);
    private static final VectorShuffle<Float> UP4 = up(4), DOWN4 = up(-4), UP8 = up(8), DOWN8 = up(-8);
    private static final VectorMask<Float> BIT1 = bit(1), BIT2 = bit(2), BIT4 = bit(4), BIT8 = bit(8);
    private static final VectorMask<Float> LOW8 = S.indexInRange(0, 8);

    /** Lane i takes lane i − s (mod L). */
    private static VectorShuffle<Float> up(int s) { return VectorShuffle.fromOp(S, i -> Math.floorMod(i - s, L)); }

    private static VectorMask<Float> bit(int s) { return VectorMask.fromLong(S, lanesWithBit(s)); }

    private static long lanesWithBit(int s) {
        long m = 0;
        for (int i = 0; i < L; i++) if ((i & s) != 0) m |= 1L << i;
        return m;
    }

    private static FloatVector fold1(FloatVector x, FloatVector y) { return x.blend(y.rearrange(UP1), BIT1).add(x.rearrange(DOWN1).blend(y, BIT1)); }

    private static FloatVector fold2(FloatVector x, FloatVector y) { return x.blend(y.rearrange(UP2), BIT2).add(x.rearrange(DOWN2).blend(y, BIT2)); }

    private static FloatVector fold4(FloatVector x, FloatVector y) { return x.blend(y.rearrange(UP4), BIT4).add(x.rearrange(DOWN4).blend(y, BIT4)); }

    private static FloatVector fold8(FloatVector x, FloatVector y) { return x.blend(y.rearrange(UP8), BIT8).add(x.rearrange(DOWN8).blend(y, BIT8)); }

    /**
     * The lanes of v summed by a fixed tree (lane i plus lane i + L/2, then i + L/4, ...): the same bits in the
     * interpreter and in compiled code.
     */
    static float sum(FloatVector v) { return sumInline(v); }

    /** {@link #sum}, for kernels to call at their end (small enough to be inlined into them). */
    static float sumInline(FloatVector v) {
        if (L > 16) {
            float s = 0;
            for (float f : v.toArray()) s += f;
            return s;
        }
        if (L == 16) v = v.add(v.rearrange(DOWN8));
        if (L >= 8) v = v.add(v.rearrange(DOWN4));
        if (L >= 4) v = v.add(v.rearrange(DOWN2));
        if (L >= 2) v = v.add(v.rearrange(DOWN1));
        return v.lane(0);
    }

    /** The largest lane of v (any order gives the same: the tree only keeps the JIT's code small). */
    static float maxInline(FloatVector v) {
        if (L > 16) return v.reduceLanes(jdk.incubator.vector.VectorOperators.MAX);
        if (L == 16) v = v.max(v.rearrange(DOWN8));
        if (L >= 8) v = v.max(v.rearrange(DOWN4));
        if (L >= 4) v = v.max(v.rearrange(DOWN2));
        if (L >= 2) v = v.max(v.rearrange(DOWN1));
        return v.lane(0);
    }

    /** Floats of accumulator scratch {@link #weighted8x2} needs. */
    static final int SCRATCH = 16 * L;

    /**
     * out[oa + d] = inva · Σ_t w[t] v[at + slot(t) + d·RUN] and out[ob + d] likewise with w[sb + t] and invb, for
     * d = 0..7 and t over whole vectors covering len (w is zero past len); acc[accOff ..] ({@link #SCRATCH}) is
     * scratch. The loop and the lane sums are two methods, so each compiles with all its vector calls inlined.
     */
    static void weighted8x2(float[] v, int at, int runStep, int len, float[] w, int sb, float[] acc, int accOff,
                            float[] out, int oa, int ob, float inva, float invb) {
        dot8x2(v, at, runStep, len, w, sb, acc, accOff);
        reduce8x2(acc, accOff, out, oa, ob, inva, invb);
    }

    private static void dot8x2(float[] v, int at, int runStep, int len, float[] w, int sb, float[] acc, int o) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
        for (int t = 0; t < len; t += L) {
            int k = at + (t / R) * runStep + t % R;
            FloatVector wa = FloatVector.fromArray(S, w, t), wb = FloatVector.fromArray(S, w, sb + t);
            FloatVector v0 = FloatVector.fromArray(S, v, k), v1 = FloatVector.fromArray(S, v, k + R);
            a0 = v0.fma(wa, a0); b0 = v0.fma(wb, b0); a1 = v1.fma(wa, a1); b1 = v1.fma(wb, b1);
            FloatVector v2 = FloatVector.fromArray(S, v, k + 2 * R), v3 = FloatVector.fromArray(S, v, k + 3 * R);
            a2 = v2.fma(wa, a2); b2 = v2.fma(wb, b2); a3 = v3.fma(wa, a3); b3 = v3.fma(wb, b3);
            FloatVector v4 = FloatVector.fromArray(S, v, k + 4 * R), v5 = FloatVector.fromArray(S, v, k + 5 * R);
            a4 = v4.fma(wa, a4); b4 = v4.fma(wb, b4); a5 = v5.fma(wa, a5); b5 = v5.fma(wb, b5);
            FloatVector v6 = FloatVector.fromArray(S, v, k + 6 * R), v7 = FloatVector.fromArray(S, v, k + 7 * R);
            a6 = v6.fma(wa, a6); b6 = v6.fma(wb, b6); a7 = v7.fma(wa, a7); b7 = v7.fma(wb, b7);
        }
        a0.intoArray(acc, o); a1.intoArray(acc, o + L); a2.intoArray(acc, o + 2 * L); a3.intoArray(acc, o + 3 * L);
        a4.intoArray(acc, o + 4 * L); a5.intoArray(acc, o + 5 * L); a6.intoArray(acc, o + 6 * L); a7.intoArray(acc, o + 7 * L);
        b0.intoArray(acc, o + 8 * L); b1.intoArray(acc, o + 9 * L); b2.intoArray(acc, o + 10 * L); b3.intoArray(acc, o + 11 * L);
        b4.intoArray(acc, o + 12 * L); b5.intoArray(acc, o + 13 * L); b6.intoArray(acc, o + 14 * L); b7.intoArray(acc, o + 15 * L);
    }

    private static FloatVector at(float[] a, int i) { return FloatVector.fromArray(S, a, i); }

    /*
     * The fold tree runs level by level through the scratch (n vectors in, n/2 out, in place): each level is a
     * small loop that compiles with its vector calls inlined, where the whole tree in one method would exceed
     * the JIT's inlining budget and box every vector.
     */
    private static void level1(float[] acc, int o, int n) {
        for (int k = 0; k < n / 2; k++) fold1(at(acc, o + 2 * k * L), at(acc, o + (2 * k + 1) * L)).intoArray(acc, o + k * L);
    }

    private static void level2(float[] acc, int o, int n) {
        for (int k = 0; k < n / 2; k++) fold2(at(acc, o + 2 * k * L), at(acc, o + (2 * k + 1) * L)).intoArray(acc, o + k * L);
    }

    private static void level4(float[] acc, int o, int n) {
        for (int k = 0; k < n / 2; k++) fold4(at(acc, o + 2 * k * L), at(acc, o + (2 * k + 1) * L)).intoArray(acc, o + k * L);
    }

    private static void level8(float[] acc, int o, int n) {
        for (int k = 0; k < n / 2; k++) fold8(at(acc, o + 2 * k * L), at(acc, o + (2 * k + 1) * L)).intoArray(acc, o + k * L);
    }

    /** Vectors at acc[o ..] (8 per group): lane i (mod 8) of vector g ← lanes i (mod 8) of accumulator 8g + i summed. */
    private static void sum8s(float[] acc, int o, int n) {
        level1(acc, o, n);
        level2(acc, o, n / 2);
        level4(acc, o, n / 4);
    }

    private static void reduce8x2(float[] acc, int o, float[] out, int oa, int ob, float inva, float invb) {
        sum8s(acc, o, 16);
        if (L == 8) {
            at(acc, o).mul(inva).intoArray(out, oa);
            at(acc, o + L).mul(invb).intoArray(out, ob);
            return;
        }
        level8(acc, o, 2);
        FloatVector both = at(acc, o);                                        // a's eight sums, then b's
        both = both.mul(FloatVector.broadcast(S, inva).blend(invb, LOW8.not()));
        if (ob == oa + 8) both.intoArray(out, oa);
        else {
            both.intoArray(out, oa, LOW8);
            both.intoArray(out, ob - 8, LOW8.not());
        }
    }

    /** out[o + d] = inv · Σ_t w[t] v[at + slot(t) + d·RUN] for d = 0..7, t over whole vectors covering len. */
    static void weighted8(float[] v, int at, int runStep, int len, float[] w, float[] acc, int accOff, float[] out, int o, float inv) {
        dot8(v, at, runStep, len, w, acc, accOff);
        sum8s(acc, accOff, 8);
        if (L == 8) {
            at(acc, accOff).mul(inv).intoArray(out, o);
            return;
        }
        level8(acc, accOff, 2);                                               // lanes 0..7 sum vector 0's halves
        at(acc, accOff).mul(inv).intoArray(out, o, LOW8);
    }

    private static void dot8(float[] v, int at, int runStep, int len, float[] w, float[] acc, int o) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int t = 0; t < len; t += L) {
            int k = at + (t / R) * runStep + t % R;
            FloatVector wa = FloatVector.fromArray(S, w, t);
            a0 = FloatVector.fromArray(S, v, k).fma(wa, a0);
            a1 = FloatVector.fromArray(S, v, k + R).fma(wa, a1);
            a2 = FloatVector.fromArray(S, v, k + 2 * R).fma(wa, a2);
            a3 = FloatVector.fromArray(S, v, k + 3 * R).fma(wa, a3);
            a4 = FloatVector.fromArray(S, v, k + 4 * R).fma(wa, a4);
            a5 = FloatVector.fromArray(S, v, k + 5 * R).fma(wa, a5);
            a6 = FloatVector.fromArray(S, v, k + 6 * R).fma(wa, a6);
            a7 = FloatVector.fromArray(S, v, k + 7 * R).fma(wa, a7);
        }
        a0.intoArray(acc, o); a1.intoArray(acc, o + L); a2.intoArray(acc, o + 2 * L); a3.intoArray(acc, o + 3 * L);
        a4.intoArray(acc, o + 4 * L); a5.intoArray(acc, o + 5 * L); a6.intoArray(acc, o + 6 * L); a7.intoArray(acc, o + 7 * L);
    }
}
