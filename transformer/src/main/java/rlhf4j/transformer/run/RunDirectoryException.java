package rlhf4j.transformer.run;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A run or checkpoint directory that cannot be used: another process holds its lock, it is not writable, or its disk
 * is full. The one-line message names the directory and what to do; the CLI reports it without a stack trace.
 */
public final class RunDirectoryException extends IOException {
    private final Path dir;

    public RunDirectoryException(Path dir, String problem) {
        super(dir + ": " + problem);
        this.dir = dir;
    }

    public RunDirectoryException(Path dir, String problem, Throwable cause) {
        super(dir + ": " + problem, cause);
        this.dir = dir;
    }

    private RunDirectoryException(String message, Path dir) {
        super(message);
        this.dir = dir;
    }

    /** An exception whose message names the directory itself (not prefixed with it). */
    static RunDirectoryException worded(Path dir, String message) { return new RunDirectoryException(message, dir); }

    /** The directory concerned. */
    public Path dir() { return dir; }
}
