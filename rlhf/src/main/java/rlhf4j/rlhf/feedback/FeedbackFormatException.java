package rlhf4j.rlhf.feedback;

import java.io.IOException;
import java.nio.file.Path;

/** A line of a feedback file that does not hold a valid record; the message names the file, the line and the problem. */
public final class FeedbackFormatException extends IOException {
    private final Path file;
    private final long line;
    private final String problem;

    public FeedbackFormatException(Path file, long line, String problem) {
        super(file + ":" + line + ": " + problem);
        this.file = file;
        this.line = line;
        this.problem = problem;
    }

    /** The offending file. */
    public Path file() { return file; }

    /** The 1-based line number. */
    public long line() { return line; }

    /** What is wrong, without the location. */
    public String problem() { return problem; }
}
