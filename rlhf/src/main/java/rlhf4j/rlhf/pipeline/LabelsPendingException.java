package rlhf4j.rlhf.pipeline;

import java.nio.file.Path;

/**
 * The pipeline stopped at the labels stage because people have not finished labeling: not an error. The message
 * says how many judgements are missing, where the campaign is and how to continue.
 */
public final class LabelsPendingException extends RuntimeException {
    private final Path database;
    private final long missing;

    public LabelsPendingException(String message, Path database, long missing) {
        super(message);
        this.database = database;
        this.missing = missing;
    }

    /** The labeling database in the run directory. */
    public Path database() { return database; }

    /** Usable judgements still needed. */
    public long missing() { return missing; }
}
