package rlhf4j.transformer.generate;

import java.util.Arrays;

/**
 * Turns one row of logits into the distribution the sampling settings define, and draws from it (on the host:
 * one row of V floats per sequence per step).
 *
 * <p>The distribution: z = logits / temperature; top-k keeps the tokens whose z is at least the k-th largest;
 * top-p then keeps the smallest set of most likely tokens whose probability reaches p (the token that crosses p
 * is kept); log p = z − logsumexp(z over kept tokens), −∞ elsewhere. Greedy decoding (temperature 0) picks the
 * argmax (lowest id among ties) and reports the log-probability under the unmodified model, log_softmax(logits),
 * because the greedy "distribution" itself is a point mass.
 */
public final class Sampler {
    private final SamplingConfig config;
    private final float[] logp;        // (V) scratch: the processed log-distribution of the current row
    private final Integer[] order;     // (V) scratch for top-p's sort
    private final float[] sortedKeys;

    public Sampler(SamplingConfig config, int vocabSize) {
        this.config = config;
        this.logp = new float[vocabSize];
        this.order = new Integer[vocabSize];
        this.sortedKeys = new float[vocabSize];
    }

    /**
     * Writes into out (V) the log-probabilities of the distribution for logits[offset .. offset+V) (−∞ for
     * excluded tokens).
     */
    public void logProbs(float[] logits, int offset, float[] out) {
        int v = out.length;
        double t = config.isGreedy() ? 1.0 : config.temperature();
        for (int i = 0; i < v; i++) out[i] = (float) (logits[offset + i] / t);
        if (!config.isGreedy() && config.topK() > 0 && config.topK() < v) {
            System.arraycopy(out, 0, sortedKeys, 0, v);
            Arrays.sort(sortedKeys);
            float kth = sortedKeys[v - config.topK()];                         // k-th largest
            for (int i = 0; i < v; i++) if (out[i] < kth) out[i] = Float.NEGATIVE_INFINITY;
        }
        normalize(out);
        if (!config.isGreedy() && config.topP() < 1) {
            for (int i = 0; i < v; i++) order[i] = i;
            Arrays.sort(order, (a, b) -> out[a] != out[b] ? Float.compare(out[b], out[a]) : Integer.compare(a, b));
            double cum = 0;
            int keep = 0;
            while (keep < v && cum < config.topP()) cum += Math.exp(out[order[keep++]]);
            for (int i = keep; i < v; i++) out[order[i]] = Float.NEGATIVE_INFINITY;
            normalize(out);
        }
    }

    /** x −= logsumexp(x) over the finite entries. */
    private static void normalize(float[] x) {
        float max = Float.NEGATIVE_INFINITY;
        for (float f : x) max = Math.max(max, f);
        double sum = 0;
        for (float f : x) if (f != Float.NEGATIVE_INFINITY) sum += Math.exp(f - max);
        float lse = (float) (max + Math.log(sum));
        for (int i = 0; i < x.length; i++) if (x[i] != Float.NEGATIVE_INFINITY) x[i] -= lse;
    }

    /**
     * Picks the next token from the row logits[offset .. offset+V) with uniform u in [0, 1) (ignored when greedy);
     * its log-probability goes to logProbOut[0].
     */
    public int next(float[] logits, int offset, double u, float[] logProbOut) {
        logProbs(logits, offset, logp);
        int v = logp.length, pick;
        if (config.isGreedy()) {
            pick = 0;
            for (int i = 1; i < v; i++) if (logits[offset + i] > logits[offset + pick]) pick = i;
        } else {
            double cum = 0;                                   // inverse CDF in id order
            pick = -1;
            for (int i = 0; i < v; i++) {
                if (logp[i] == Float.NEGATIVE_INFINITY) continue;
                pick = i;                                    // the last kept token catches rounding at the top
                cum += Math.exp(logp[i]);
                if (u < cum) break;
            }
        }
        logProbOut[0] = logp[pick];
        return pick;
    }
}
