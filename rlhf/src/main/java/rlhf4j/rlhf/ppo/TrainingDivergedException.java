package rlhf4j.rlhf.ppo;

import java.nio.file.Path;

/**
 * Training met a NaN or ±∞ and stopped before it could corrupt the weights (nothing is updated after the check).
 *
 * @see PpoTrainer
 */
public final class TrainingDivergedException extends RuntimeException {
    private final String quantity;
    private final int iteration;
    private final Path lastGoodCheckpoint;

    public TrainingDivergedException(String quantity, int iteration, String diagnosis, Path lastGoodCheckpoint) {
        super(quantity + " is not finite at iteration " + iteration + ": " + diagnosis + "; training stopped, "
                + (lastGoodCheckpoint != null ? "the last good checkpoint is " + lastGoodCheckpoint : "no checkpoint was written yet"));
        this.quantity = quantity;
        this.iteration = iteration;
        this.lastGoodCheckpoint = lastGoodCheckpoint;
    }

    /** Which quantity went bad, e.g. "policy loss". */
    public String quantity() { return quantity; }

    public int iteration() { return iteration; }

    /** The newest checkpoint on disk (written before the bad iteration), or null. */
    public Path lastGoodCheckpoint() { return lastGoodCheckpoint; }
}
