package rlhf4j.rlhf.reward;

import java.util.List;
import rlhf4j.autograd.Variable;
import rlhf4j.rlhf.consensus.PreferenceGroup;
import rlhf4j.tensor.Tensor;

/**
 * The Bradley–Terry loss of a pairwise reward model: P(w ≻ l) = σ(r_w − r_l), so each pair costs
 * −log σ(r_w − r_l − m) = softplus(m − (r_w − r_l)), with an optional margin m ≥ 0 that asks for a gap.
 * softplus(x) = log(1 + eˣ) is computed stably for any x (no log of a rounded-to-zero sigmoid), and its local
 * gradient is d softplus(x)/dx = σ(x), so ∂loss/∂r_w = −σ(m − Δ) and ∂loss/∂r_l = +σ(m − Δ), Δ = r_w − r_l.
 *
 * <p>Pairs come with weights that sum to 1: InstructGPT's grouped batches weight every pair of a K-way group by
 * 1 / (G · C(K, 2)), so each ranking counts once however many pairs it gives.
 */
public final class PairwiseLoss {
    private PairwiseLoss() {}

    /** Winner and loser rows into a batch of rewards, and each pair's weight. */
    public record Pairs(int[] winners, int[] losers, float[] weights) {
        public Pairs {
            if (winners.length != losers.length || winners.length != weights.length)
                throw new IllegalArgumentException("pairs: " + winners.length + " winners, " + losers.length + " losers, "
                        + weights.length + " weights");
            if (winners.length == 0) throw new IllegalArgumentException("no pairs");
        }

        public int size() { return winners.length; }

        /**
         * The pairs of groups whose completions lie one after another in the batch (group g's first completion at
         * the row after group g−1's last), each group's pairs weighted 1 / (G · its pair count).
         */
        public static Pairs ofGroups(List<PreferenceGroup> groups) {
            int n = 0;
            for (PreferenceGroup g : groups) n += g.pairs().size();
            int[] w = new int[n], l = new int[n];
            float[] weight = new float[n];
            int row = 0, i = 0;
            for (PreferenceGroup g : groups) {
                for (PreferenceGroup.IndexPair p : g.pairs()) {
                    w[i] = row + p.winner();
                    l[i] = row + p.loser();
                    weight[i++] = 1f / (groups.size() * g.pairs().size());
                }
                row += g.completions().size();
            }
            return new Pairs(w, l, weight);
        }

        /** Pair i compares rows winners[i] and losers[i], all pairs weighted equally. */
        public static Pairs uniform(int[] winners, int[] losers) {
            float[] weight = new float[winners.length];
            java.util.Arrays.fill(weight, 1f / winners.length);
            return new Pairs(winners, losers, weight);
        }
    }

    /** rewards (B) → the weighted loss () = Σᵢ weightᵢ · softplus(m − (r[wᵢ] − r[lᵢ])). */
    public static Variable loss(Variable rewards, Pairs pairs, double margin) {
        if (rewards.dim() != 1) throw new IllegalArgumentException("rewards must be (B), got " + rewards);
        var device = rewards.value().device();
        Variable rw = rewards.gather(0, Tensor.ofInts(pairs.winners(), pairs.size()).to(device));   // (P)
        Variable rl = rewards.gather(0, Tensor.ofInts(pairs.losers(), pairs.size()).to(device));    // (P)
        Variable perPair = rl.sub(rw).add(margin).softplus();                                      // (P)
        return perPair.mul(Tensor.of(pairs.weights()).to(device)).sum();                           // ()
    }

    /** The same loss in plain doubles, for tests and reports: softplus(x) = max(x, 0) + log1p(e^−|x|). */
    public static double reference(float[] rewards, Pairs pairs, double margin) {
        double total = 0;
        for (int i = 0; i < pairs.size(); i++) {
            double x = margin - (rewards[pairs.winners()[i]] - rewards[pairs.losers()[i]]);
            total += pairs.weights()[i] * (Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))));
        }
        return total;
    }

    /** Fraction of pairs the rewards order correctly (a tie counts as half). */
    public static double accuracy(float[] rewards, int[] winners, int[] losers) {
        double right = 0;
        for (int i = 0; i < winners.length; i++) {
            float d = rewards[winners[i]] - rewards[losers[i]];
            right += d > 0 ? 1 : d == 0 ? 0.5 : 0;
        }
        return right / winners.length;
    }
}
