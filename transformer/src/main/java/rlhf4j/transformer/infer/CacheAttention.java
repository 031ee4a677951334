package rlhf4j.transformer.infer;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Attention of one new token over its stream's cache, head by head (grouped-query: head h reads key head
 * h / (nHeads / nKv)): {@code out_h = Σ_t softmax_t(q_h · k_t / √hs) v_t} over positions t = 0..len−1.
 *
 * <p>Vector path: the two query heads of a key head (when the group is even) go together, so every key and value
 * vector is loaded once for both. Scores run over positions in the lanes (keys are stored transposed); the
 * weighted sum too (values are stored transposed): each feature is a dot product of the weights with a run of
 * values, eight features (one per accumulator) at a time, the accumulators' lanes summed by a fixed tree of
 * lane-wise adds ({@link LaneSums}).
 *
 * <p>Scores: each is {@code fma}-summed over the head's features in order, on both paths (so they agree to the
 * bit); the exponentials are {@link DecodeMath}'s, whose vector and scalar forms agree too; only the sums differ
 * in order between the paths. Every row runs the same code whatever rows share its step.
 */
public final class CacheAttention {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Whole position blocks of two vectors fit the cache's padding. */
    private static final boolean BLOCKS = StreamCache.BLOCK % (2 * L) == 0 && StreamCache.RUN % L == 0;
    private static final int R = StreamCache.RUN;   // feature rows of a run are R floats apart

    final int nHeads, nKv, headSize;
    private final float scale;
    private final boolean lanesDot;   // weighted sums eight features at a time (hs a multiple of 8, 8 or 16 lanes)

    public CacheAttention(int nHeads, int nKv, int headSize) {
        if (nHeads % nKv != 0) throw new IllegalArgumentException(nHeads + " heads do not group over " + nKv + " key heads");
        this.nHeads = nHeads;
        this.nKv = nKv;
        this.headSize = headSize;
        this.scale = (float) (1.0 / Math.sqrt(headSize));
        this.lanesDot = headSize % 8 == 0 && LaneSums.SUPPORTED;
    }

    /** Floats of scratch {@link #attend} needs for up to len positions: two heads' scores, padded, and accumulators. */
    public static int scratchLength(int len) { return 2 * StreamCache.padded(len) + LaneSums.SCRATCH; }

    /**
     * out[outOff ..] (nHeads·hs) = attention of q[qOff ..] (nHeads·hs) over the first len positions of a layer;
     * scores is scratch of at least {@link #scratchLength}(len) floats.
     */
    public void attend(StreamCache cache, int layer, int len, float[] q, int qOff, float[] scores, float[] out, int outOff,
                       boolean vector) {
        int group = nHeads / nKv;
        if (!vector || !BLOCKS) {
            for (int h = 0; h < nHeads; h++) attendScalar(cache, layer, h / group, len, q, qOff + h * headSize, scores, out, outOff + h * headSize);
            return;
        }
        int sb = StreamCache.padded(len);              // second head's scores
        for (int kvh = 0; kvh < nKv; kvh++) {
            int h = kvh * group, end = h + group;
            for (; h + 2 <= end; h += 2) {
                int qa = qOff + h * headSize, o = outOff + h * headSize;
                if (headSize == 8) scoresPair8(cache, layer, kvh, len, q, qa, scores, sb);
                else scoresPair(cache, layer, kvh, len, q, qa, qa + headSize, scores, sb);
                float inva = 1f / expVector(scores, 0, len), invb = 1f / expVector(scores, sb, len);
                if (lanesDot) weightedPair(cache, layer, kvh, len, scores, sb, out, o, inva, invb);
                else {
                    weightedScalar(cache, layer, kvh, len, scores, 0, out, o, inva);
                    weightedScalar(cache, layer, kvh, len, scores, sb, out, o + headSize, invb);
                }
            }
            for (; h < end; h++) {
                int qh = qOff + h * headSize, o = outOff + h * headSize;
                scoresOne(cache, layer, kvh, len, q, qh, scores);
                float inv = 1f / expVector(scores, 0, len);
                if (lanesDot) weightedOne(cache, layer, kvh, len, scores, out, o, inv);
                else weightedScalar(cache, layer, kvh, len, scores, 0, out, o, inv);
            }
        }
    }

    /** The scalar reference: scores, exponentials and weighted sum one position at a time. */
    private void attendScalar(StreamCache c, int layer, int kvh, int len, float[] q, int qh, float[] scores, float[] out, int o) {
        int base = c.headBase(layer, kvh);
        for (int t = 0; t < len; t++) scores[t] = scoreOne(c, base, t, q, qh);
        float max = Float.NEGATIVE_INFINITY, sum = 0;
        for (int t = 0; t < len; t++) max = Math.max(max, scores[t]);
        for (int t = 0; t < len; t++) sum += scores[t] = DecodeMath.exp(scores[t] - max);
        weightedScalar(c, layer, kvh, len, scores, 0, out, o, 1f / sum);
    }

    private float scoreOne(StreamCache c, int base, int t, float[] q, int qh) {
        float acc = 0;
        for (int d = 0; d < headSize; d++) acc = Math.fma(q[qh + d], c.keys[base + c.slot(t) + d * R], acc);
        return acc * scale;
    }

    /** out[o ..] (hs) = inv · Σ_t w[from + t] · v_t, in position order. */
    private void weightedScalar(StreamCache c, int layer, int kvh, int len, float[] w, int from, float[] out, int o, float inv) {
        int base = c.headBase(layer, kvh);
        for (int d = 0; d < headSize; d++) {
            float acc = 0;
            for (int t = 0, v = base + d * R; t < len; t++) acc = Math.fma(w[from + t], c.values[v + c.slot(t)], acc);
            out[o + d] = acc * inv;
        }
    }

    /** Scores of heads a and b (features qa.., qb..) over whole two-vector blocks covering len; b's at sb. */
    private void scoresPair(StreamCache c, int layer, int kvh, int len, float[] q, int qa, int qb, float[] scores, int sb) {
        int base = c.headBase(layer, kvh);
        for (int t = 0; t < len; t += 2 * L) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, b0 = a0, b1 = a0;
            for (int d = 0, k = base + c.slot(t), k1at = base + c.slot(t + L); d < headSize; d++, k += R, k1at += R) {
                FloatVector k0 = FloatVector.fromArray(S, c.keys, k), k1 = FloatVector.fromArray(S, c.keys, k1at);
                FloatVector qad = FloatVector.broadcast(S, q[qa + d]), qbd = FloatVector.broadcast(S, q[qb + d]);
                a0 = k0.fma(qad, a0);
                a1 = k1.fma(qad, a1);
                b0 = k0.fma(qbd, b0);
                b1 = k1.fma(qbd, b1);
            }
            a0.mul(scale).intoArray(scores, t);
            a1.mul(scale).intoArray(scores, t + L);
            b0.mul(scale).intoArray(scores, sb + t);
            b1.mul(scale).intoArray(scores, sb + t + L);
        }
    }

    /** {@link #scoresPair} for heads of eight features, the queries held in registers across positions. */
    private void scoresPair8(StreamCache c, int layer, int kvh, int len, float[] q, int qa, float[] scores, int sb) {
        FloatVector a0 = bq(q, qa), a1 = bq(q, qa + 1), a2 = bq(q, qa + 2), a3 = bq(q, qa + 3);
        FloatVector a4 = bq(q, qa + 4), a5 = bq(q, qa + 5), a6 = bq(q, qa + 6), a7 = bq(q, qa + 7);
        FloatVector b0 = bq(q, qa + 8), b1 = bq(q, qa + 9), b2 = bq(q, qa + 10), b3 = bq(q, qa + 11);
        FloatVector b4 = bq(q, qa + 12), b5 = bq(q, qa + 13), b6 = bq(q, qa + 14), b7 = bq(q, qa + 15);
        float[] keys = c.keys;
        int base = c.headBase(layer, kvh), stride = R;
        for (int t = 0; t < len; t += L) {
            int k = base + c.slot(t);
            FloatVector k0 = FloatVector.fromArray(S, keys, k), k1 = FloatVector.fromArray(S, keys, k + stride);
            FloatVector sa = k0.mul(a0), sb0 = k0.mul(b0);              // fma(k, q, 0) = k·q: the same bits
            sa = k1.fma(a1, sa); sb0 = k1.fma(b1, sb0);
            FloatVector k2 = FloatVector.fromArray(S, keys, k + 2 * stride), k3 = FloatVector.fromArray(S, keys, k + 3 * stride);
            sa = k2.fma(a2, sa); sb0 = k2.fma(b2, sb0);
            sa = k3.fma(a3, sa); sb0 = k3.fma(b3, sb0);
            FloatVector k4 = FloatVector.fromArray(S, keys, k + 4 * stride), k5 = FloatVector.fromArray(S, keys, k + 5 * stride);
            sa = k4.fma(a4, sa); sb0 = k4.fma(b4, sb0);
            sa = k5.fma(a5, sa); sb0 = k5.fma(b5, sb0);
            FloatVector k6 = FloatVector.fromArray(S, keys, k + 6 * stride), k7 = FloatVector.fromArray(S, keys, k + 7 * stride);
            sa = k6.fma(a6, sa); sb0 = k6.fma(b6, sb0);
            sa = k7.fma(a7, sa); sb0 = k7.fma(b7, sb0);
            sa.mul(scale).intoArray(scores, t);
            sb0.mul(scale).intoArray(scores, sb + t);
        }
    }

    private static FloatVector bq(float[] q, int i) { return FloatVector.broadcast(S, q[i]); }

    private void scoresOne(StreamCache c, int layer, int kvh, int len, float[] q, int qh, float[] scores) {
        int base = c.headBase(layer, kvh);
        for (int t = 0; t < len; t += 2 * L) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0;
            for (int d = 0, k = base + c.slot(t), k1 = base + c.slot(t + L); d < headSize; d++, k += R, k1 += R) {
                FloatVector qd = FloatVector.broadcast(S, q[qh + d]);
                a0 = FloatVector.fromArray(S, c.keys, k).fma(qd, a0);
                a1 = FloatVector.fromArray(S, c.keys, k1).fma(qd, a1);
            }
            a0.mul(scale).intoArray(scores, t);
            a1.mul(scale).intoArray(scores, t + L);
        }
    }

    /**
     * s[from .. from+len) ← exp(· − max), and zeros on to the end of the last vector (so whole vectors of weights
     * can be read); returns their sum.
     */
    static float expVector(float[] s, int from, int len) {
        int t = 0;
        FloatVector m = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (; t + L <= len; t += L) m = m.max(FloatVector.fromArray(S, s, from + t));
        if (t < len) m = m.max(FloatVector.fromArray(S, s, from + t).blend(Float.NEGATIVE_INFINITY, S.indexInRange(t, len).not()));
        float max = LaneSums.maxInline(m);
        return DecodeMath.expShifted(s, from, len, max);
    }

    /** Both heads of a pair: out[o ..] (2·hs) = inv · Σ_t w_t v_t, eight features at a time. */
    private void weightedPair(StreamCache c, int layer, int kvh, int len, float[] w, int sb, float[] out, int o, float inva, float invb) {
        int base = c.headBase(layer, kvh);
        for (int d = 0; d < headSize; d += 8)
            LaneSums.weighted8x2(c.values, base + d * R, headSize * R, len, w, sb, w, w.length - LaneSums.SCRATCH,
                    out, o + d, o + headSize + d, inva, invb);
    }

    private void weightedOne(StreamCache c, int layer, int kvh, int len, float[] w, float[] out, int o, float inv) {
        int base = c.headBase(layer, kvh);
        for (int d = 0; d < headSize; d += 8)
            LaneSums.weighted8(c.values, base + d * R, headSize * R, len, w, w, w.length - LaneSums.SCRATCH, out, o + d, inv);
    }
}
