package rlhf4j.transformer.train;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import rlhf4j.autograd.Parameter;
import rlhf4j.tensor.MemoryScope;

/**
 * Decides whether a training state is fit to be saved. It is not when a loss or an evaluation is NaN or ±∞, when a
 * weight is non-finite or beyond {@link #MAX_ABS_WEIGHT}, or when a loss has diverged: the moving average of the
 * training loss (m ← 0.9·m + 0.1·L) above {@code factor} × its lowest value, or an evaluation split's loss above
 * {@code factor} × that split's lowest (for its first evaluation, × the training loss of the first step, i.e. of the
 * untrained model). Each quantity is compared with itself only, so a validation loss above a low training loss
 * (overfitting) is never taken for divergence. Each check returns the problem in words, or null when all is well.
 */
public final class DivergenceGuard {
    public static final double DEFAULT_FACTOR = 10;
    /** Trained language models keep |w| far below this; past it activations overflow float32 within a few layers. */
    public static final double MAX_ABS_WEIGHT = 1e8;
    private static final double EMA = 0.1;

    private final double factor;
    private double firstTrainLoss = Double.NaN, movingTrainLoss = Double.NaN, bestMovingTrainLoss = Double.POSITIVE_INFINITY;
    private final Map<String, Double> bestEval = new HashMap<>();

    /** @param factor how many times its best a loss may reach; +∞ turns the factor check off */
    public DivergenceGuard(double factor) {
        if (!(factor > 1)) throw new IllegalArgumentException("--divergence-factor " + factor + " must be > 1");
        this.factor = factor;
    }

    /** Starts a split's running best at a resumed run's best loss (e.g. "val"); ignored when not finite. */
    public void seed(String split, double bestLoss) {
        if (Double.isFinite(bestLoss)) bestEval.merge(split, bestLoss, Math::min);
    }

    /** Checks the loss of a training step; a good one joins the moving average. */
    public String checkStep(double loss) {
        if (!Double.isFinite(loss)) return "the training loss is " + loss;
        if (Double.isNaN(firstTrainLoss)) firstTrainLoss = loss;
        movingTrainLoss = Double.isNaN(movingTrainLoss) ? loss : (1 - EMA) * movingTrainLoss + EMA * loss;
        if (movingTrainLoss > factor * bestMovingTrainLoss)
            return String.format(Locale.ROOT, "the training loss (moving average) %.4g is more than %s × its lowest so far (%.4f; "
                    + "--divergence-factor)", movingTrainLoss, fmt(factor), bestMovingTrainLoss);
        bestMovingTrainLoss = Math.min(bestMovingTrainLoss, movingTrainLoss);
        return null;
    }

    /** Checks an evaluation's losses by split and the weights, before a save; good losses join their split's best. */
    public String checkEvaluation(Map<String, Double> losses, Map<String, Parameter> weights) {
        for (var e : losses.entrySet()) {
            double loss = e.getValue();
            String what = "the " + e.getKey() + " loss";
            if (!Double.isFinite(loss)) return what + " is " + loss;
            Double best = bestEval.get(e.getKey());
            double reference = best != null ? best : firstTrainLoss;
            if (Double.isFinite(reference) && loss > factor * reference)
                return String.format(Locale.ROOT, "%s %.4g is more than %s × %s (%.4f; --divergence-factor)", what, loss, fmt(factor),
                        best != null ? "its lowest so far" : "the training loss at the start", reference);
        }
        String problem = checkWeights(weights);
        if (problem != null) return problem;
        losses.forEach((split, loss) -> bestEval.merge(split, loss, Math::min));
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
