package rlhf4j.rlhf.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SharedDataTest {
    @Test
    void walksUpToTheNearestSharedData(@TempDir Path dir) throws IOException {
        Path data = Files.createDirectories(dir.resolve("shared/data"));
        Path deep = Files.createDirectories(dir.resolve("repo/module/src"));
        assertEquals(data, SharedData.root(deep));
        // a nearer shared/data wins
        Path nearer = Files.createDirectories(dir.resolve("repo/shared/data"));
        assertEquals(nearer, SharedData.root(deep));
    }

    @Test
    void missingFolderAndFileAreReported(@TempDir Path dir) {
        // the temporary folder's ancestors are assumed to hold no shared/data
        var e = assertThrows(UncheckedIOException.class, () -> SharedData.root(dir));
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        var missing = assertThrows(UncheckedIOException.class, () -> SharedData.resolve("lexicons/no-such-file.txt"));
        assertTrue(missing.getMessage().contains("no-such-file.txt"), missing.getMessage());
    }

    @Test
    void findsTheProjectData() {
        assertTrue(Files.isRegularFile(SharedData.resolve("lexicons/vader_lexicon.txt")));
    }
}
