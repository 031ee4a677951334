package rlhf4j.transformer.train;

import java.util.Locale;
import java.util.Map;
import rlhf4j.autograd.Parameter;
import rlhf4j.tensor.MemoryScope;

/**
 * Decides whether a training state is fit to be saved. It is not when a loss or an evaluation is NaN or ±∞, when a
 * weight is non-finite or beyond {@link #MAX_ABS_WEIGHT}, or when a loss exceeds {@code factor} × the running best
 * (the lowest training or evaluation loss seen): loss L diverged ⇔ L > factor · min(L_seen). Each check returns the
 * problem in words, or null when all is well.
 */
public final class DivergenceGuard {
    public static final double DEFAULT_FACTOR = 10;
    /** Trained language models keep |w| far below this; past it activations overflow float32 within a few layers. */
    public static final double MAX_ABS_WEIGHT = 1e8;

    private final double factor;
    private double best = Double.POSITIVE_INFINITY;

    /** @param factor how many times the running best a loss may reach; +∞ turns the factor check off */
    public DivergenceGuard(double factor) {
        if (!(factor > 1)) throw new IllegalArgumentException("--divergence-factor " + factor + " must be > 1");
        this.factor = factor;
    }

    /** The lowest loss seen (+∞ before any). */
    public double best() { return best; }

    /** Starts the running best at a resumed run's best loss. */
    public void seed(double bestLoss) { if (bestLoss < best) best = bestLoss; }

    /** Checks the loss of a training step; a good one joins the running best. */
    public String checkStep(double loss) {
        String problem = checkLoss("the training loss", loss);
        if (problem == null) best = Math.min(best, loss);
        return problem;
    }

    /** Checks an evaluation's losses by split and the weights, before a save; good losses join the running best. */
    public String checkEvaluation(Map<String, Double> losses, Map<String, Parameter> weights) {
        for (var e : losses.entrySet()) {
            String problem = checkLoss("the " + e.getKey() + " loss", e.getValue());
            if (problem != null) return problem;
        }
        String problem = checkWeights(weights);
        if (problem != null) return problem;
        for (double v : losses.values()) best = Math.min(best, v);
        return null;
    }

    private String checkLoss(String what, double loss) {
        if (!Double.isFinite(loss)) return what + " is " + loss;
        if (Double.isFinite(best) && loss > factor * best)
            return String.format(Locale.ROOT, "%s %.4g is more than %s × the best loss so far (%.4f; --divergence-factor)", what, loss,
                    fmt(factor), best);
        return null;
    }

    /** Non-finite or huge weights, counted and named; null when every weight is finite and below the limit. */
    public static String checkWeights(Map<String, Parameter> weights) {
        long nonFinite = 0, huge = 0, total = 0;
        String first = null;
        for (var e : weights.entrySet()) {
            float[] w;
            try (MemoryScope scope = MemoryScope.open()) {
                w = e.getValue().value().toFloatArray();
            }
            total += w.length;
            for (float x : w) {
                boolean bad = !Float.isFinite(x);
                if (bad) nonFinite++;
                else if (Math.abs(x) > MAX_ABS_WEIGHT) huge++;
                if ((bad || Math.abs(x) > MAX_ABS_WEIGHT) && first == null) first = e.getKey() + " holds " + x;
            }
        }
        if (nonFinite == 0 && huge == 0) return null;
        return String.format(Locale.ROOT, "%d of %d weights are NaN or ±∞ and %d exceed %.0e in magnitude (first: %s)",
                nonFinite, total, huge, MAX_ABS_WEIGHT, first);
    }

    private static String fmt(double f) { return f == Math.rint(f) ? Long.toString((long) f) : Double.toString(f); }
}
