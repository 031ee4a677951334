package rlhf4j.transformer.generate;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import rlhf4j.transformer.infer.DecodeMath;

/**
 * Turns one row of logits into the distribution the sampling settings define, and draws from it (on the host:
 * one row of V floats per sequence per step).
 *
 * <p>The distribution: z = logits / temperature; top-k keeps the tokens whose z is at least the k-th largest;
 * top-p then keeps the smallest set of most likely tokens whose probability reaches p (the token that crosses p
 * is kept; equal probabilities are taken in id order); log p = z − logsumexp(z over kept tokens), −∞ elsewhere.
 * Greedy decoding (temperature 0) picks the argmax (lowest id among ties) and reports the log-probability under
 * the unmodified model, log_softmax(logits), because the greedy "distribution" itself is a point mass.
 *
 * <p>Cost: O(V) per row for top-k (a selection, not a sort); top-p sorts only the tokens that can be in the
 * nucleus, those with probability ≥ (1 − p)/(V − 1) (llama2.c's cut: were a less likely token needed, the at most
 * V − 1 tokens from it on would hold less than 1 − p, yet they hold more).
 */
public final class Sampler {
    private static final VectorSpecies<Float> S = DecodeMath.S;
    private final SamplingConfig config;
    private final float[] logp;        // (V) the processed log-distribution of the current row
    private final float[] prob;        // (V) its probabilities, exp(logp)
    private final float[] scratch;     // (V) for top-k's selection
    private final long[] candidates;   // (V) top-p's sort keys: probability bits above, inverted id below

    public Sampler(SamplingConfig config, int vocabSize) {
        this.config = config;
        this.logp = new float[vocabSize];
        this.prob = new float[vocabSize];
        this.scratch = new float[vocabSize];
        this.candidates = new long[vocabSize];
    }

    /**
     * Writes into out (V) the log-probabilities of the distribution for logits[offset .. offset+V) (−∞ for
     * excluded tokens).
     */
    public void logProbs(float[] logits, int offset, float[] out) {
        process(logits, offset);
        System.arraycopy(logp, 0, out, 0, out.length);
    }

    /** Fills logp and prob for one row. */
    private void process(float[] logits, int offset) {
        int v = logp.length;
        double t = config.isGreedy() ? 1.0 : config.temperature();
        if (t == 1.0) System.arraycopy(logits, offset, logp, 0, v);
        else for (int i = 0; i < v; i++) logp[i] = (float) (logits[offset + i] / t);
        if (!config.isGreedy() && config.topK() > 0 && config.topK() < v) {
            System.arraycopy(logp, 0, scratch, 0, v);
            float kth = kthLargest(scratch, config.topK());
            for (int i = 0; i < v; i++) if (logp[i] < kth) logp[i] = Float.NEGATIVE_INFINITY;
        }
        normalize();
        if (!config.isGreedy() && config.topP() < 1) {
            float cutoff = (float) ((1 - config.topP()) / (v - 1));
            int best = 0, n = 0;
            for (int i = 0; i < v; i++) {
                if (prob[i] > prob[best]) best = i;
                if (prob[i] >= cutoff) candidates[n++] = key(prob[i], i);
            }
            if (n == 0) candidates[n++] = key(prob[best], best);        // p below 1/V: the top token alone
            Arrays.sort(candidates, 0, n);                               // ascending: walk from the end
            double cum = 0;
            int kept = 0;
            while (kept < n && cum < config.topP()) cum += prob[idOf(candidates[n - 1 - kept++])];
            float[] keep = scratch;                                      // reuse: 1 marks a kept token
            Arrays.fill(keep, 0f);
            for (int j = 0; j < kept; j++) keep[idOf(candidates[n - 1 - j])] = 1f;
            for (int i = 0; i < v; i++) if (keep[i] == 0f) logp[i] = Float.NEGATIVE_INFINITY;
            normalize();
        }
    }

    /** Sort key: larger probability first when read from the end, then lower id first. Probabilities are ≥ 0. */
    private static long key(float p, int id) { return ((long) Float.floatToIntBits(p) << 32) | (~id & 0xFFFFFFFFL); }

    private static int idOf(long key) { return ~(int) key; }

    /**
     * logp −= logsumexp(logp) over the finite entries; prob = exp(logp). The exponentials are
     * {@link DecodeMath#expShifted}'s (vector lanes and scalar tail give the same bits).
     */
    private void normalize() {
        int v = logp.length, i = 0, lanes = S.length();
        FloatVector m = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (; i + lanes <= v; i += lanes) m = m.max(FloatVector.fromArray(S, logp, i));
        float max = m.reduceLanes(VectorOperators.MAX);
        for (; i < v; i++) max = Math.max(max, logp[i]);
        int whole = v - v % lanes;
        System.arraycopy(logp, 0, prob, 0, whole);
        double sum = DecodeMath.expShifted(prob, 0, whole, max);    // −∞ entries give ~1e-38 here, zeroed below
        for (i = whole; i < v; i++) {
            prob[i] = logp[i] == Float.NEGATIVE_INFINITY ? 0f : DecodeMath.exp(logp[i] - max);
            sum += prob[i];
        }
        float lse = (float) (max + Math.log(sum)), inv = (float) (1 / sum);
        for (i = 0; i + lanes <= v; i += lanes) {                    // −∞ − lse stays −∞
            FloatVector l = FloatVector.fromArray(S, logp, i);
            l.sub(lse).intoArray(logp, i);
            FloatVector.fromArray(S, prob, i).mul(inv).blend(0f, l.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY)).intoArray(prob, i);
        }
        for (; i < v; i++) {
            logp[i] -= lse;
            prob[i] *= inv;
        }
    }

    /** The k-th largest value of a (which is reordered): iterative quickselect, middle-element pivot. */
    static float kthLargest(float[] a, int k) {
        int lo = 0, hi = a.length - 1, target = k - 1;                 // index of the k-th in descending order
        while (lo < hi) {
            float pivot = a[(lo + hi) >>> 1];
            int i = lo, j = hi;
            while (i <= j) {                                            // Hoare partition, descending
                while (a[i] > pivot) i++;
                while (a[j] < pivot) j--;
                if (i <= j) { float t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
            }
            if (target <= j) hi = j;
            else if (target >= i) lo = i;
            else return a[target];
        }
        return a[target];
    }

    /**
     * Picks the next token from the row logits[offset .. offset+V) with uniform u in [0, 1) (ignored when greedy);
     * its log-probability goes to logProbOut[0].
     */
    public int next(float[] logits, int offset, double u, float[] logProbOut) {
        process(logits, offset);
        int v = logp.length, pick;
        if (config.isGreedy()) {
            pick = 0;
            for (int i = 1; i < v; i++) if (logits[offset + i] > logits[offset + pick]) pick = i;
        } else {
            double cum = 0;                                   // inverse CDF in id order
            pick = -1;
            for (int i = 0; i < v; i++) {
                if (prob[i] == 0f && logp[i] == Float.NEGATIVE_INFINITY) continue;
                pick = i;                                    // the last kept token catches rounding at the top
                cum += prob[i];
                if (u < cum) break;
            }
        }
        logProbOut[0] = logp[pick];
        return pick;
    }
}
