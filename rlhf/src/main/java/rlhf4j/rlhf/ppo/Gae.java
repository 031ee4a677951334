package rlhf4j.rlhf.ppo;

/**
 * Generalised advantage estimation (Schulman et al. 2016) over each completion, backwards from its last token:
 * δ_t = r_t + γ·V_{t+1} − V_t (V after the last token is 0);  A_t = δ_t + γλ·A_{t+1};  return_t = A_t + V_t.
 * Arrays are (B, N) row-major; positions at or after a row's length are padding and get 0.
 */
public final class Gae {
    private Gae() {}

    /** Advantages and returns, each (B, N). */
    public record Result(float[] advantages, float[] returns) {}

    /**
     * @param rewards (B, N) per-token rewards
     * @param values  (B, N) value estimates V_t
     * @param lengths (B) real tokens of each row
     */
    public static Result compute(float[] rewards, float[] values, int[] lengths, int n, double gamma, double lambda) {
        int b = lengths.length;
        if (rewards.length != b * n || values.length != b * n)
            throw new IllegalArgumentException("GAE needs (B, N) = (" + b + ", " + n + ") rewards and values, got "
                    + rewards.length + " and " + values.length);
        float[] adv = new float[b * n], ret = new float[b * n];
        for (int r = 0; r < b; r++) {
            double next = 0, nextValue = 0;
            for (int t = lengths[r] - 1; t >= 0; t--) {
                int i = r * n + t;
                double delta = rewards[i] + gamma * nextValue - values[i];
                next = delta + gamma * lambda * next;
                adv[i] = (float) next;
                ret[i] = (float) (next + values[i]);
                nextValue = values[i];
            }
        }
        return new Result(adv, ret);
    }
}
