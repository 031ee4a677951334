package rlhf4j.rlhf.feedback;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds files of the project's shared data folder ({@code ../shared/data} beside the checkout). */
public final class SharedData {
    private SharedData() {}

    public static Path file(String relative) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve("data").resolve(relative);
            if (Files.isRegularFile(candidate)) return candidate;
        }
        throw new IllegalStateException("shared data file " + relative + " not found in shared/data above "
                + Path.of("").toAbsolutePath());
    }
}
