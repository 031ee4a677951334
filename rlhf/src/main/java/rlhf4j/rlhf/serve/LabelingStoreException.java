package rlhf4j.rlhf.serve;

import java.nio.file.Path;

/**
 * The labeling database failed: a disk that is full, a file another process kept locked past the busy timeout, a
 * corrupt or unreadable file. The message names the file. Not a user error in a request: the server answers 500.
 */
public final class LabelingStoreException extends RuntimeException {
    public LabelingStoreException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
    }
}
