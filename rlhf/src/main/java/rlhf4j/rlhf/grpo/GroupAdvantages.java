package rlhf4j.rlhf.grpo;

/**
 * Sequence-level advantages from groups of completions of the same prompt: rows g·G .. g·G + G − 1 of the score
 * array are group g. No critic: the other completions of the prompt are the baseline.
 * <pre>
 *   GRPO     A_i = (r_i − μ_g) / (σ_g + ε),   μ_g = (1/G)·Σ_j r_j,  σ_g = √((1/G)·Σ_j (r_j − μ_g)²)
 *   Dr. GRPO A_i = r_i − μ_g
 *   RLOO     A_i = r_i − (1/(K − 1))·Σ_{j≠i} r_j  =  K/(K − 1)·(r_i − μ_g)
 * </pre>
 * A group whose scores are all equal gets A = 0 for every member under each baseline (no signal, no update).
 * σ is the population standard deviation (TRL uses the sample one; with ε it only rescales a group's advantages).
 */
public final class GroupAdvantages {
    private GroupAdvantages() {}

    /**
     * @param scores    (B) one score per completion, groups contiguous
     * @param groupSize G (K for RLOO), ≥ 2; B must be a multiple of it
     * @param epsilon   ε of the GRPO denominator
     */
    public static float[] compute(float[] scores, int groupSize, Baseline baseline, double epsilon) {
        if (groupSize < 2) throw new IllegalArgumentException("a group needs at least 2 completions, got " + groupSize);
        if (scores.length % groupSize != 0)
            throw new IllegalArgumentException(scores.length + " scores do not split into groups of " + groupSize);
        float[] out = new float[scores.length];
        for (int from = 0; from < scores.length; from += groupSize) {
            double sum = 0;
            for (int i = from; i < from + groupSize; i++) sum += scores[i];
            double mean = sum / groupSize, var = 0;
            for (int i = from; i < from + groupSize; i++) var += (scores[i] - mean) * (scores[i] - mean);
            double std = Math.sqrt(var / groupSize);
            if (allEqual(scores, from, groupSize)) continue;           // exactly 0, not the rounding error of r − μ
            for (int i = from; i < from + groupSize; i++) {
                double a = switch (baseline) {
                    case GRPO -> (scores[i] - mean) / (std + epsilon);
                    case DR_GRPO -> scores[i] - mean;
                    case RLOO -> scores[i] - (sum - scores[i]) / (groupSize - 1);
                };
                out[i] = (float) a;
            }
        }
        return out;
    }

    private static boolean allEqual(float[] x, int from, int n) {
        for (int i = from + 1; i < from + n; i++) if (x[i] != x[from]) return false;
        return true;
    }
}
