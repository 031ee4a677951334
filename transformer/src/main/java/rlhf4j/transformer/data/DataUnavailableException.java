package rlhf4j.transformer.data;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A data set file is not on this machine and could not be downloaded (no network, an HTTP error, or bytes that do not
 * match the pinned SHA-256). The one-line message names the URL tried and the exact path to put the file at by hand.
 */
public final class DataUnavailableException extends UncheckedIOException {
    public DataUnavailableException(String message, IOException cause) {
        super(message, cause);
    }
}
