package rlhf4j.cli;

import java.nio.file.Path;

/** Checks of output flags that every stage command shares. */
final class CliOutputs {
    private CliOutputs() {}

    /** An output directory flag must not name a .jsonl file (the stage writes its files inside the directory). */
    static void requireDirectory(Path out, String flag) {
        if (out.getFileName() != null && out.getFileName().toString().endsWith(".jsonl"))
            throw new IllegalArgumentException(flag + " " + out + ": expected a directory (the .jsonl files are written inside it)");
    }
}
