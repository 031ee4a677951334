package rlhf4j.transformer.train;

import java.nio.file.Path;

/**
 * Training went wrong (a NaN or ±∞, a loss far above its running best, a policy that collapsed) and stopped before
 * the bad state was saved. The one-line message says what, where, which checkpoint is the last good one and the flag
 * that resumes from it.
 */
public class TrainingDivergedException extends RuntimeException {
    private final String quantity;
    private final int step;
    private final Path lastGoodCheckpoint;

    /**
     * @param quantity           what went bad, e.g. "val loss" or "policy loss"
     * @param unit               "step" or "iteration"
     * @param diagnosis          the details (values, where they come from)
     * @param lastGoodCheckpoint the newest checkpoint written before it, or null
     * @param resumeFlag         how to resume from it, e.g. "--resume out/run"
     */
    public TrainingDivergedException(String quantity, String unit, int step, String diagnosis, Path lastGoodCheckpoint,
                                     String resumeFlag) {
        super(quantity + " went bad at " + unit + " " + step + ": " + diagnosis + "; nothing from it was saved; "
                + (lastGoodCheckpoint != null ? "the last good checkpoint is " + lastGoodCheckpoint
                        + (resumeFlag != null ? " (continue from it with " + resumeFlag + ", e.g. with a lower learning rate)" : "")
                        : "no checkpoint was written before it"));
        this.quantity = quantity;
        this.step = step;
        this.lastGoodCheckpoint = lastGoodCheckpoint;
    }

    /** Bad final weights of a run that keeps no checkpoints (a reward model, a classifier): nothing is written. */
    public TrainingDivergedException(String quantity, String diagnosis) {
        super(quantity + " went bad: " + diagnosis + "; nothing was saved (try a lower learning rate)");
        this.quantity = quantity;
        this.step = -1;
        this.lastGoodCheckpoint = null;
    }

    /** Which quantity went bad, e.g. "val loss". */
    public String quantity() { return quantity; }

    /** The step (or PPO iteration) where it went bad. */
    public int step() { return step; }

    /** The newest checkpoint on disk written before the bad step, or null. */
    public Path lastGoodCheckpoint() { return lastGoodCheckpoint; }
}
