package rlhf4j.rlhf.stage;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** The one rule for a stage's outputs: an existing output is refused or replaced, never appended to. */
public final class Outputs {
    /** The run lock a command may hold on its output directory before the stage runs; it is no output of its own. */
    static final String LOCK_FILE = ".lock";

    private Outputs() {}

    /**
     * Makes way for an output file or directory. Nothing there, an empty file or an empty directory: nothing to do
     * (an empty file is removed). Otherwise REFUSE throws {@code IllegalArgumentException("OUT already exists; pass
     * --overwrite to replace it")} and REPLACE deletes it (recursively) and prints "replacing OUT" to err.
     */
    public static void prepare(Path out, OutputMode mode, PrintStream err) throws IOException {
        if (!Files.exists(out)) return;
        if (isEmpty(out)) {
            if (!Files.isDirectory(out)) Files.delete(out);
            return;
        }
        if (mode == OutputMode.REFUSE) throw new IllegalArgumentException(out + " already exists; pass --overwrite to replace it");
        if (err != null) err.println("replacing " + out);
        delete(out);
    }

    /**
     * {@link #prepare} for several outputs at once: under REFUSE nothing is deleted unless none of them is in the
     * way, so a refused run leaves every earlier output as it was.
     */
    public static void prepare(List<Path> outs, OutputMode mode, PrintStream err) throws IOException {
        if (mode == OutputMode.REFUSE)
            for (Path out : outs)
                if (Files.exists(out) && !isEmpty(out))
                    throw new IllegalArgumentException(out + " already exists; pass --overwrite to replace it");
        for (Path out : outs) prepare(out, mode, err);
    }

    private static boolean isEmpty(Path p) throws IOException {
        if (!Files.isDirectory(p)) return Files.size(p) == 0;
        try (Stream<Path> s = Files.list(p)) {
            return s.allMatch(q -> q.getFileName().toString().equals(LOCK_FILE));
        }
    }

    private static void delete(Path p) throws IOException {
        Path lock = p.resolve(LOCK_FILE);                        // a held lock stays with its directory
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList())
                if (!q.equals(lock) && !(q.equals(p) && Files.exists(lock))) Files.delete(q);
        }
    }
}
