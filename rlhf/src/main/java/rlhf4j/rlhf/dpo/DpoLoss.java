package rlhf4j.rlhf.dpo;

import rlhf4j.autograd.Variable;
import rlhf4j.rlhf.reward.PairwiseLoss;
import rlhf4j.tensor.Tensor;

/**
 * The DPO loss (Rafailov et al. 2023) and its variants, on the sequence log-probabilities of a batch of completions.
 * For a pair (y_w preferred to y_l, same prompt x), with log π(y) = Σ_t log π(y_t | x, y_&lt;t) summed over the
 * completion's tokens, the implicit rewards are
 * <pre>
 *   r_w = β·(log π(y_w) − log π_ref(y_w)),   r_l = β·(log π(y_l) − log π_ref(y_l)),   h = (r_w − r_l)/β
 * </pre>
 * and each pair costs
 * <pre>
 *   sigmoid (DPO):      −log σ(β·h) = softplus(−β·h)
 *   cDPO (smoothing ε): −(1−ε)·log σ(β·h) − ε·log σ(−β·h) = (1−ε)·softplus(−β·h) + ε·softplus(β·h)
 *   IPO (Azar et al.):  (h − 1/(2β))²
 * </pre>
 * The gradients through h (∂h/∂log π(y_w) = 1, ∂h/∂log π(y_l) = −1): sigmoid ∂L/∂h = −β·[(1−ε)·σ(−β·h) − ε·σ(β·h)],
 * IPO ∂L/∂h = 2·(h − 1/(2β)). At the start, π = π_ref, so h = 0 and the sigmoid loss is log 2 whatever β. (TRL
 * averages the token log-probs for IPO; here every loss uses the sums, as the papers define them, so one β means the
 * same KL budget for all three.)
 *
 * <p>Pairs carry weights that sum to 1 ({@link PairwiseLoss.Pairs#ofGroups}: a ranking of K completions counts once
 * however many pairs it gives), and the loss is Σ_i weight_i · loss_i. The metrics are named as TRL names them and
 * weighted the same way: {@code rewards/chosen} (mean r_w), {@code rewards/rejected} (mean r_l),
 * {@code rewards/margins} (mean r_w − r_l) and {@code rewards/accuracies} (share of pairs with r_w &gt; r_l; a tie,
 * as at the start, counts 0).
 */
public final class DpoLoss {
    private DpoLoss() {}

    /** TRL's metrics of a batch of pairs. */
    public record Metrics(double chosen, double rejected, double accuracy, double margin) {}

    /** The loss () with its graph, the metrics, and each pair's h (the log-ratio difference, before β). */
    public record Terms(Variable loss, Metrics metrics, float[] h) {}

    /**
     * @param policy    log π(y) of each row of the batch (R), with gradients
     * @param reference log π_ref(y) of the same rows (R), constants
     * @param pairs     winner and loser rows and their weights
     */
    public static Terms compute(Variable policy, float[] reference, PairwiseLoss.Pairs pairs, DpoConfig.Loss cfg) {
        if (policy.dim() != 1 || policy.value().size(0) != reference.length)
            throw new IllegalArgumentException("policy log-probs " + policy + " and " + reference.length + " reference ones must both be (R)");
        var device = policy.value().device();
        int p = pairs.size();
        float[] refGap = new float[p];                                                                // log π_ref(y_w) − log π_ref(y_l)
        for (int i = 0; i < p; i++) refGap[i] = reference[pairs.winners()[i]] - reference[pairs.losers()[i]];
        Variable w = policy.gather(0, Tensor.ofInts(pairs.winners(), p).to(device));                 // (P)
        Variable l = policy.gather(0, Tensor.ofInts(pairs.losers(), p).to(device));                  // (P)
        Variable h = w.sub(l).sub(Tensor.of(refGap, p).to(device));                                  // (P)
        double beta = cfg.beta(), eps = cfg.labelSmoothing();
        Variable perPair = switch (cfg.type()) {
            case SIGMOID -> eps == 0 ? h.mul(-beta).softplus()
                    : h.mul(-beta).softplus().mul(1 - eps).add(h.mul(beta).softplus().mul(eps));
            case IPO -> h.sub(1 / (2 * beta)).square();
        };
        Variable loss = perPair.mul(Tensor.of(pairs.weights()).to(device)).sum();                   // ()
        float[] hv = h.value().toFloatArray(), pol = policy.value().toFloatArray();
        return new Terms(loss, metrics(pol, reference, pairs, beta), hv);
    }

    /** The metrics from plain arrays: r = β·(log π − log π_ref) of each side, weighted over the pairs. */
    public static Metrics metrics(float[] policy, float[] reference, PairwiseLoss.Pairs pairs, double beta) {
        double chosen = 0, rejected = 0, accuracy = 0, total = 0;
        for (int i = 0; i < pairs.size(); i++) {
            int w = pairs.winners()[i], l = pairs.losers()[i];
            double rw = beta * ((double) policy[w] - reference[w]), rl = beta * ((double) policy[l] - reference[l]);
            double weight = pairs.weights()[i];
            chosen += weight * rw;
            rejected += weight * rl;
            if (rw > rl) accuracy += weight;
            total += weight;
        }
        // the float weights sum to 1 only up to rounding: divide by their sum, so that all right reads 1 exactly
        return new Metrics(chosen / total, rejected / total, accuracy / total, (chosen - rejected) / total);
    }

    /** The same loss in doubles, for tests and reports: softplus(x) = max(x, 0) + log1p(e^−|x|). */
    public static double reference(double[] policy, double[] reference, PairwiseLoss.Pairs pairs, DpoConfig.Loss cfg) {
        double total = 0, beta = cfg.beta(), eps = cfg.labelSmoothing();
        for (int i = 0; i < pairs.size(); i++) {
            int w = pairs.winners()[i], l = pairs.losers()[i];
            double h = (policy[w] - reference[w]) - (policy[l] - reference[l]);
            double loss = switch (cfg.type()) {
                case SIGMOID -> (1 - eps) * softplus(-beta * h) + eps * softplus(beta * h);
                case IPO -> (h - 1 / (2 * beta)) * (h - 1 / (2 * beta));
            };
            total += pairs.weights()[i] * loss;
        }
        return total;
    }

    static double softplus(double x) { return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))); }
}
