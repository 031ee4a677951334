package rlhf4j.transformer.infer;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Attention of one new token over its stream's cache, head by head (grouped-query: head h reads key head
 * h / (nHeads / nKv)): {@code out_h = Σ_t softmax_t(q_h · k_t / √hs) v_t} over positions t = 0..len−1.
 *
 * <p>Scores: each is {@code fma}-summed over the head's features in order, on both paths (so they agree to the
 * bit); the exponentials are {@link DecodeMath}'s, whose vector and scalar forms agree too; only the sums differ
 * in order between the paths.
 */
public final class CacheAttention {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    final int nHeads, nKv, headSize;
    private final float scale;
    private final int headLanes;   // preferred lanes or 8 when they divide headSize, else 0: scalar weighted sums

    public CacheAttention(int nHeads, int nKv, int headSize) {
        if (nHeads % nKv != 0) throw new IllegalArgumentException(nHeads + " heads do not group over " + nKv + " key heads");
        this.nHeads = nHeads;
        this.nKv = nKv;
        this.headSize = headSize;
        this.scale = (float) (1.0 / Math.sqrt(headSize));
        int lanes = 0;
        for (int n : new int[]{S.length(), 8})
            if (lanes == 0 && n <= S.length() && headSize % n == 0) lanes = n;
        headLanes = lanes;
    }

    /**
     * out[outOff ..] (nHeads·hs) = attention of q[qOff ..] (nHeads·hs) over the first len positions of a layer;
     * scores is scratch of at least 2·len floats.
     */
    public void attend(StreamCache cache, int layer, int len, float[] q, int qOff, float[] scores, float[] out, int outOff,
                       boolean vector) {
        int group = nHeads / nKv;
        if (vector && group % 2 == 0 && headLanes == L) {
            for (int h = 0; h < nHeads; h += 2) attendPair(cache, layer, h / group, len, q, qOff + h * headSize, scores, out, outOff + h * headSize);
            return;
        }
        for (int h = 0; h < nHeads; h++) {
            int kvh = h / group, qh = qOff + h * headSize;
            if (vector) scoresVector(cache, layer, kvh, len, q, qh, scores); else scoresScalar(cache, layer, kvh, len, q, qh, scores);
            float sum = vector ? expVector(scores, len) : expScalar(scores, len);
            int o = outOff + h * headSize;
            if (vector && headLanes == L) weightedPreferred(cache, layer, kvh, len, scores, out, o);
            else if (vector && headLanes == 8) weighted256(cache, layer, kvh, len, scores, out, o);
            else weightedScalar(cache, layer, kvh, len, scores, out, o);
            float inv = 1f / sum;
            for (int d = 0; d < headSize; d++) out[o + d] *= inv;
        }
    }

    /**
     * Heads h and h+1, which share key head kvh (grouped-query attention): each key and value vector is loaded once
     * for both. Per head the sums are those of the one-head path but for the weighted sum's two (not four) chains.
     */
    private void attendPair(StreamCache c, int layer, int kvh, int len, float[] q, int qa, float[] scores, float[] out, int o) {
        int qb = qa + headSize, sb = scores.length / 2;
        scoresPair(c, layer, kvh, len, q, qa, qb, scores, sb);
        float inva = 1f / expVector(scores, len);
        float invb = 1f / expVectorAt(scores, sb, len);
        int step = c.nKv * headSize;
        for (int d = 0; d < headSize; d += L) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, b0 = a0, b1 = a0;
            int v = c.valueBase(layer, 0) + kvh * headSize + d, t = 0;
            for (; t + 2 <= len; t += 2, v += 2 * step) {
                FloatVector v0 = FloatVector.fromArray(S, c.values, v), v1 = FloatVector.fromArray(S, c.values, v + step);
                a0 = v0.fma(FloatVector.broadcast(S, scores[t]), a0);
                a1 = v1.fma(FloatVector.broadcast(S, scores[t + 1]), a1);
                b0 = v0.fma(FloatVector.broadcast(S, scores[sb + t]), b0);
                b1 = v1.fma(FloatVector.broadcast(S, scores[sb + t + 1]), b1);
            }
            if (t < len) {
                FloatVector v0 = FloatVector.fromArray(S, c.values, v);
                a0 = v0.fma(FloatVector.broadcast(S, scores[t]), a0);
                b0 = v0.fma(FloatVector.broadcast(S, scores[sb + t]), b0);
            }
            a0.add(a1).mul(inva).intoArray(out, o + d);
            b0.add(b1).mul(invb).intoArray(out, o + headSize + d);
        }
    }

    private void scoresPair(StreamCache c, int layer, int kvh, int len, float[] q, int qa, int qb, float[] scores, int sb) {
        int base = c.keyBase(layer, kvh), cap = c.capacity, t = 0;
        for (; t + 2 * L <= len; t += 2 * L) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, b0 = a0, b1 = a0;
            for (int d = 0, k = base + t; d < headSize; d++, k += cap) {
                FloatVector k0 = FloatVector.fromArray(S, c.keys, k), k1 = FloatVector.fromArray(S, c.keys, k + L);
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
        for (; t < len; t++) {
            scores[t] = scoreOne(c, base, t, q, qa);
            scores[sb + t] = scoreOne(c, base, t, q, qb);
        }
    }

    private void scoresScalar(StreamCache c, int layer, int kvh, int len, float[] q, int qh, float[] scores) {
        int base = c.keyBase(layer, kvh);
        for (int t = 0; t < len; t++) scores[t] = scoreOne(c, base, t, q, qh);
    }

    private float scoreOne(StreamCache c, int base, int t, float[] q, int qh) {
        float acc = 0;
        for (int d = 0; d < headSize; d++) acc = Math.fma(q[qh + d], c.keys[base + d * c.capacity + t], acc);
        return acc * scale;
    }

    private void scoresVector(StreamCache c, int layer, int kvh, int len, float[] q, int qh, float[] scores) {
        int base = c.keyBase(layer, kvh), cap = c.capacity, t = 0;
        for (; t + 2 * L <= len; t += 2 * L) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0;
            for (int d = 0, k = base + t; d < headSize; d++, k += cap) {
                FloatVector qd = FloatVector.broadcast(S, q[qh + d]);
                a0 = FloatVector.fromArray(S, c.keys, k).fma(qd, a0);
                a1 = FloatVector.fromArray(S, c.keys, k + L).fma(qd, a1);
            }
            a0.mul(scale).intoArray(scores, t);
            a1.mul(scale).intoArray(scores, t + L);
        }
        for (; t + L <= len; t += L) {
            FloatVector a = FloatVector.zero(S);
            for (int d = 0, k = base + t; d < headSize; d++, k += cap)
                a = FloatVector.fromArray(S, c.keys, k).fma(FloatVector.broadcast(S, q[qh + d]), a);
            a.mul(scale).intoArray(scores, t);
        }
        for (; t < len; t++) scores[t] = scoreOne(c, base, t, q, qh);
    }

    /** scores ← exp(scores − max); returns their sum. */
    private static float expScalar(float[] s, int len) {
        float max = Float.NEGATIVE_INFINITY, sum = 0;
        for (int t = 0; t < len; t++) max = Math.max(max, s[t]);
        for (int t = 0; t < len; t++) sum += s[t] = DecodeMath.exp(s[t] - max);
        return sum;
    }

    private static float expVector(float[] s, int len) { return expVectorAt(s, 0, len); }

    /** scores[from .. from+len) ← exp(· − max); returns their sum. */
    private static float expVectorAt(float[] s, int from, int len) {
        int t = from, end = from + len;
        FloatVector m = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (; t + L <= end; t += L) m = m.max(FloatVector.fromArray(S, s, t));
        float max = m.reduceLanes(VectorOperators.MAX);
        for (; t < end; t++) max = Math.max(max, s[t]);
        FloatVector acc = FloatVector.zero(S);
        for (t = from; t + L <= end; t += L) {
            FloatVector e = DecodeMath.exp(FloatVector.fromArray(S, s, t).sub(max));
            e.intoArray(s, t);
            acc = acc.add(e);
        }
        float sum = DecodeMath.sum(acc);
        for (; t < end; t++) sum += s[t] = DecodeMath.exp(s[t] - max);
        return sum;
    }

    private void weightedScalar(StreamCache c, int layer, int kvh, int len, float[] w, float[] out, int o) {
        java.util.Arrays.fill(out, o, o + headSize, 0f);
        for (int t = 0; t < len; t++) {
            int v = c.valueBase(layer, t) + kvh * headSize;
            for (int d = 0; d < headSize; d++) out[o + d] = Math.fma(w[t], c.values[v + d], out[o + d]);
        }
    }

    /**
     * Four accumulators over positions t mod 4 per run of lanes, so the multiply-adds overlap. Two copies, one per
     * species: the JIT compiles vector code only for a species it sees as a constant.
     */
    private void weightedPreferred(StreamCache c, int layer, int kvh, int len, float[] w, float[] out, int o) {
        int step = c.nKv * headSize;
        for (int d = 0; d < headSize; d += L) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            int v = c.valueBase(layer, 0) + kvh * headSize + d, t = 0;
            for (; t + 4 <= len; t += 4, v += 4 * step) {
                a0 = FloatVector.fromArray(S, c.values, v).fma(FloatVector.broadcast(S, w[t]), a0);
                a1 = FloatVector.fromArray(S, c.values, v + step).fma(FloatVector.broadcast(S, w[t + 1]), a1);
                a2 = FloatVector.fromArray(S, c.values, v + 2 * step).fma(FloatVector.broadcast(S, w[t + 2]), a2);
                a3 = FloatVector.fromArray(S, c.values, v + 3 * step).fma(FloatVector.broadcast(S, w[t + 3]), a3);
            }
            for (; t < len; t++, v += step) a0 = FloatVector.fromArray(S, c.values, v).fma(FloatVector.broadcast(S, w[t]), a0);
            a0.add(a1).add(a2.add(a3)).intoArray(out, o + d);
        }
    }

    /** {@link #weightedPreferred} with 8 lanes, for heads of 8·k features when the preferred vectors are wider. */
    private void weighted256(StreamCache c, int layer, int kvh, int len, float[] w, float[] out, int o) {
        VectorSpecies<Float> s8 = FloatVector.SPECIES_256;
        int step = c.nKv * headSize;
        for (int d = 0; d < headSize; d += 8) {
            FloatVector a0 = FloatVector.zero(s8), a1 = a0, a2 = a0, a3 = a0;
            int v = c.valueBase(layer, 0) + kvh * headSize + d, t = 0;
            for (; t + 4 <= len; t += 4, v += 4 * step) {
                a0 = FloatVector.fromArray(s8, c.values, v).fma(FloatVector.broadcast(s8, w[t]), a0);
                a1 = FloatVector.fromArray(s8, c.values, v + step).fma(FloatVector.broadcast(s8, w[t + 1]), a1);
                a2 = FloatVector.fromArray(s8, c.values, v + 2 * step).fma(FloatVector.broadcast(s8, w[t + 2]), a2);
                a3 = FloatVector.fromArray(s8, c.values, v + 3 * step).fma(FloatVector.broadcast(s8, w[t + 3]), a3);
            }
            for (; t < len; t++, v += step) a0 = FloatVector.fromArray(s8, c.values, v).fma(FloatVector.broadcast(s8, w[t]), a0);
            a0.add(a1).add(a2.add(a3)).intoArray(out, o + d);
        }
    }
}
