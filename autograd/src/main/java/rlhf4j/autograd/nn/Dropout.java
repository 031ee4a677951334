package rlhf4j.autograd.nn;

import rlhf4j.autograd.Functional;
import rlhf4j.autograd.Variable;

/**
 * Inverted dropout, active only in training mode. Each forward call draws a fresh mask from the stream
 * {@code (seed, call number)}, so a run is reproducible from its seed; the call counter is part of the state.
 */
public final class Dropout extends Module implements Layer {
    public final double p;
    private final long seed;
    private long calls;

    public Dropout(double p, long seed) {
        if (p < 0 || p >= 1) throw new IllegalArgumentException("dropout p must be in [0, 1), got " + p);
        this.p = p;
        this.seed = seed;
    }

    @Override public Variable forward(Variable x) {
        if (!isTraining() || p == 0) return x;
        return Functional.dropout(x, p, Functional.dropoutSeed(seed, calls++), true);
    }

    /** Number of masks drawn so far. */
    public long calls() { return calls; }

    /** Restores the mask counter (to resume a run exactly). */
    public void setCalls(long calls) { this.calls = calls; }
}
