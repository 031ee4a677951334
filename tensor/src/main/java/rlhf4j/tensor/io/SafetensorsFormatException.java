package rlhf4j.tensor.io;

import java.io.IOException;
import java.nio.file.Path;

/** A file that is not a valid safetensors file. The message names the file and what is wrong with it. */
public final class SafetensorsFormatException extends IOException {
    private final transient Path file;
    private final String problem;

    public SafetensorsFormatException(Path file, String problem) {
        super("bad safetensors file " + file + ": " + problem);
        this.file = file;
        this.problem = problem;
    }

    /** The file that was being read. */
    public Path file() { return file; }

    /** What is wrong, without the file name. */
    public String problem() { return problem; }
}
