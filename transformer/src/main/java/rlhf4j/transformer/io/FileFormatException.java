package rlhf4j.transformer.io;

import java.io.IOException;
import java.nio.file.Path;

/** A file that does not hold what its format promises; the message names the file and the mismatch. */
public final class FileFormatException extends IOException {
    private final Path file;

    public FileFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public FileFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The offending file. */
    public Path file() { return file; }
}
