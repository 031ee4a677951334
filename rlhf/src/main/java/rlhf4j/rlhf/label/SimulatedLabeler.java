package rlhf4j.rlhf.label;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Ranking;
import rlhf4j.rlhf.oracle.TextScorer;

/**
 * A simulated labeler: an oracle score plus Bradley-Terry noise. With scores s_i of the completions' texts and the
 * labeler's temperature T, it ranks completion i above j with probability σ((s_i − s_j) / T).
 *
 * <p>A full ranking is sampled from the Plackett-Luce model with weights exp(s_i / T) (pick the best in proportion to
 * the weights, then the best of the rest, ...). Sampling it is the same as sorting by s_i / T + g_i with g_i
 * independent standard Gumbel noise, which is how it is done here; and since the difference of two standard Gumbels
 * is logistic, every pair then has exactly the Bradley-Terry probability above. T → 0 is a perfect labeler (equal
 * scores tie); T = ∞ ranks at random.
 *
 * <p>Each item's randomness comes from the labeler's seed and the prompt id, so the judgement of an item does not
 * depend on the order items are labeled in.
 */
public final class SimulatedLabeler implements Labeler {
    private final String id;
    private final String criterion;
    private final TextScorer oracle;
    private final double temperature;
    private final long seed;
    private final Clock clock;

    public SimulatedLabeler(String id, String criterion, TextScorer oracle, double temperature, long seed, Clock clock) {
        if (!(temperature >= 0)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        this.id = id;
        this.criterion = criterion;
        this.oracle = oracle;
        this.temperature = temperature;
        this.seed = seed;
        this.clock = clock;
    }

    public SimulatedLabeler(String id, String criterion, TextScorer oracle, double temperature, long seed) {
        this(id, criterion, oracle, temperature, seed, Clock.systemUTC());
    }

    @Override public String id() { return id; }

    @Override public String criterion() { return criterion; }

    public double temperature() { return temperature; }

    @Override public Judgement judge(LabelItem item) {
        SplittableRandom random = itemRandom(seed, item);
        List<Keyed> keyed = new ArrayList<>();
        for (Completion c : item.completions()) {
            double utility = temperature == 0 ? oracle.score(c.text())
                    : oracle.score(c.text()) / temperature + gumbel(random);
            keyed.add(new Keyed(c.id(), utility));
        }
        return Judgement.of(id, criterion, item.prompt().id(), rankByKey(keyed), clock.instant());
    }

    /** A standard Gumbel sample, −ln(−ln U) with U uniform in (0, 1). */
    static double gumbel(SplittableRandom random) {
        double u;
        do u = random.nextDouble(); while (u == 0.0);
        return -Math.log(-Math.log(u));
    }

    /** A per-item stream: the labeler's seed mixed with the prompt id. */
    static SplittableRandom itemRandom(long seed, LabelItem item) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + item.prompt().id().hashCode());
    }

    record Keyed(String id, double key) {}

    /** Highest key first; equal keys share a tier. */
    static Ranking rankByKey(List<Keyed> keyed) {
        List<Keyed> sorted = new ArrayList<>(keyed);
        sorted.sort(Comparator.comparingDouble(Keyed::key).reversed());
        List<List<String>> tiers = new ArrayList<>();
        double previous = Double.NaN;
        for (Keyed k : sorted) {
            if (tiers.isEmpty() || k.key() != previous) tiers.add(new ArrayList<>());
            tiers.getLast().add(k.id());
            previous = k.key();
        }
        return new Ranking(tiers);
    }
}
