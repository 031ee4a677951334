package rlhf4j.rlhf.data;

import java.io.FileNotFoundException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the project's shared data folder ({@code shared/data}, kept beside the repository rather than in it).
 *
 * <p>Starting at a directory (by default the working directory), each ancestor is tried in turn and the first one
 * holding {@code shared/data} wins; so the same code works from the repository root, from a module folder under
 * Maven, and from a checkout with {@code shared/} next to it.
 */
public final class SharedData {
    private SharedData() {}

    /** The {@code shared/data} folder found by walking up from the working directory. */
    public static Path root() {
        return root(Path.of("").toAbsolutePath());
    }

    /** The {@code shared/data} folder found by walking up from {@code start}, which is tried first. */
    public static Path root(Path start) {
        for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve("data");
            if (Files.isDirectory(candidate)) return candidate;
        }
        throw new UncheckedIOException(new FileNotFoundException(
                "no shared/data folder in " + start.toAbsolutePath() + " or any of its parents"));
    }

    /** A file under {@code shared/data}, e.g. {@code resolve("lexicons/vader_lexicon.txt")}; it must exist. */
    public static Path resolve(String relative) {
        Path file = root().resolve(relative);
        if (!Files.exists(file)) {
            throw new UncheckedIOException(new FileNotFoundException("missing shared data file " + file));
        }
        return file;
    }
}
