package rlhf4j.rlhf.reward;

import java.util.List;
import rlhf4j.autograd.Variable;
import rlhf4j.rlhf.consensus.PreferenceGroup;
import rlhf4j.tensor.Tensor;

/**
 * The Bradley–Terry loss of a pairwise reward model: P(w ≻ l) = σ(r_w − r_l), so each pair costs
 * −log σ(r_w − r_l − m) = softplus(m − (r_w − r_l)), with a margin m ≥ 0 that asks for a gap: m = m₀ + mᵢ, a
 * constant for every pair plus the pair's own margin when its label carries one ({@link PreferenceGroup.IndexPair#margin},
 * as Llama 2 does with its rating scale). softplus(x) = log(1 + eˣ) is computed stably for any x (no log of a
 * rounded-to-zero sigmoid), and its local gradient is d softplus(x)/dx = σ(x), so ∂loss/∂r_w = −σ(m − Δ) and
 * ∂loss/∂r_l = +σ(m − Δ), Δ = r_w − r_l.
 *
 * <p>Reward centring (TRL's {@code center_rewards_coefficient} c, Eisenstein et al. 2023) adds c·(r_w + r_l)² per
 * pair, which pulls the rewards of every pair towards a sum of 0 (the loss above only sees differences, so without it
 * the rewards may drift by any constant): ∂/∂r_w = ∂/∂r_l = 2c·(r_w + r_l).
 *
 * <p>Pairs come with weights that sum to 1: InstructGPT's grouped batches weight every pair of a K-way group by
 * 1 / (G · C(K, 2)), so each ranking counts once however many pairs it gives.
 */
public final class PairwiseLoss {
    private PairwiseLoss() {}

    /** Winner and loser rows into a batch of rewards, each pair's weight, and its label's margin (0 when it has none). */
    public record Pairs(int[] winners, int[] losers, float[] weights, float[] margins) {
        public Pairs {
            if (winners.length != losers.length || winners.length != weights.length || winners.length != margins.length)
                throw new IllegalArgumentException("pairs: " + winners.length + " winners, " + losers.length + " losers, "
                        + weights.length + " weights, " + margins.length + " margins");
            if (winners.length == 0) throw new IllegalArgumentException("no pairs");
        }

        /** Pairs whose labels carry no margin. */
        public Pairs(int[] winners, int[] losers, float[] weights) { this(winners, losers, weights, new float[winners.length]); }

        public int size() { return winners.length; }

        /**
         * The pairs of groups whose completions lie one after another in the batch (group g's first completion at
         * the row after group g−1's last), each group's pairs weighted 1 / (G · its pair count).
         */
        public static Pairs ofGroups(List<PreferenceGroup> groups) {
            int n = 0;
            for (PreferenceGroup g : groups) n += g.pairs().size();
            int[] w = new int[n], l = new int[n];
            float[] weight = new float[n], margin = new float[n];
            int row = 0, i = 0;
            for (PreferenceGroup g : groups) {
                for (PreferenceGroup.IndexPair p : g.pairs()) {
                    w[i] = row + p.winner();
                    l[i] = row + p.loser();
                    margin[i] = (float) p.margin();
                    weight[i++] = 1f / (groups.size() * g.pairs().size());
                }
                row += g.completions().size();
            }
            return new Pairs(w, l, weight, margin);
        }

        /** Pair i compares rows winners[i] and losers[i], all pairs weighted equally. */
        public static Pairs uniform(int[] winners, int[] losers) {
            float[] weight = new float[winners.length];
            java.util.Arrays.fill(weight, 1f / winners.length);
            return new Pairs(winners, losers, weight);
        }
    }

    /** rewards (B) → the weighted loss () = Σᵢ weightᵢ · softplus(m + mᵢ − (r[wᵢ] − r[lᵢ])), without centring. */
    public static Variable loss(Variable rewards, Pairs pairs, double margin) { return loss(rewards, pairs, margin, 0); }

    /** rewards (B) → Σᵢ weightᵢ · [softplus(m + mᵢ − (r[wᵢ] − r[lᵢ])) + c·(r[wᵢ] + r[lᵢ])²], c the centring coefficient. */
    public static Variable loss(Variable rewards, Pairs pairs, double margin, double centring) {
        if (rewards.dim() != 1) throw new IllegalArgumentException("rewards must be (B), got " + rewards);
        var device = rewards.value().device();
        Variable rw = rewards.gather(0, Tensor.ofInts(pairs.winners(), pairs.size()).to(device));   // (P)
        Variable rl = rewards.gather(0, Tensor.ofInts(pairs.losers(), pairs.size()).to(device));    // (P)
        Variable gap = rl.sub(rw).add(margin);                                                     // (P)
        if (hasMargins(pairs)) gap = gap.add(Tensor.of(pairs.margins()).to(device));
        Variable perPair = gap.softplus();                                                         // (P)
        if (centring != 0) perPair = perPair.add(rw.add(rl).square().mul(centring));
        return perPair.mul(Tensor.of(pairs.weights()).to(device)).sum();                           // ()
    }

    private static boolean hasMargins(Pairs pairs) {
        for (float m : pairs.margins()) if (m != 0) return true;
        return false;
    }

    /** The same loss in plain doubles, for tests and reports: softplus(x) = max(x, 0) + log1p(e^−|x|). */
    public static double reference(float[] rewards, Pairs pairs, double margin) { return reference(rewards, pairs, margin, 0); }

    /** The centred loss with margins in plain doubles. */
    public static double reference(float[] rewards, Pairs pairs, double margin, double centring) {
        double total = 0;
        for (int i = 0; i < pairs.size(); i++) {
            double rw = rewards[pairs.winners()[i]], rl = rewards[pairs.losers()[i]];
            double x = margin + pairs.margins()[i] - (rw - rl);
            total += pairs.weights()[i] * (Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))) + centring * (rw + rl) * (rw + rl));
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
