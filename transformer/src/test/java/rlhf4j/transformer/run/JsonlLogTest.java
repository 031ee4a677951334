package rlhf4j.transformer.run;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.transformer.io.FileFormatException;

/** Case 2: a torn last line is dropped with a note; truncation checks every file before it rewrites any. */
class JsonlLogTest {
    @Test void aTornLastLineIsReportedAndDroppedAndNeverGluedToTheNextLine(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("samples.jsonl");
        Files.writeString(f, "{\"iteration\":0,\"a\":1}\n{\"iteration\":1,\"a\":2}\n{\"iteration\":2,\"com");   // disk full mid-line
        List<String> warnings = new ArrayList<>();
        JsonlLog log = new JsonlLog(f, warnings::add);
        assertEquals(List.of(0, 1), log.read().stream().map(o -> o.get("iteration").getAsInt()).toList());
        assertEquals(1, warnings.size());
        assertTrue(warnings.getFirst().contains("samples.jsonl: dropped a torn last line (19 bytes"), warnings.getFirst());

        log.append("{\"iteration\":2,\"a\":3}");
        assertEquals("{\"iteration\":0,\"a\":1}\n{\"iteration\":1,\"a\":2}\n{\"iteration\":2,\"a\":3}\n", Files.readString(f));
        assertEquals(3, new JsonlLog(f, warnings::add).read().size());
        assertEquals(1, warnings.size(), "reported once");
    }

    @Test void aWholeButUnparsableLastLineIsTornToo(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("m.jsonl");
        Files.writeString(f, "{\"iteration\":0}\n\u0000\u0000\u0000\n");                 // zero-filled after a crash
        List<String> warnings = new ArrayList<>();
        JsonlLog log = new JsonlLog(f, warnings::add);
        log.append("{\"iteration\":1}");
        assertEquals("{\"iteration\":0}\n{\"iteration\":1}\n", Files.readString(f));
        assertEquals(1, warnings.size());
    }

    @Test void aBadLineInTheMiddleIsAnErrorNamingIt(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("m.jsonl");
        Files.writeString(f, "{\"iteration\":0}\nnot json\n{\"iteration\":1}\n");
        var e = assertThrows(FileFormatException.class, () -> {
            try {
                new JsonlLog(f, s -> {}).read();
            } catch (UncheckedIOException u) {
                throw u.getCause();
            }
        });
        assertEquals(f + ": line 2 is not a JSON object: not json", e.getMessage());
    }

    @Test void truncateKeepsEarlierIterationsAndChangesNothingWhenAFileIsBad(@TempDir Path dir) throws IOException {
        Path a = dir.resolve("metrics.jsonl"), b = dir.resolve("scores.jsonl"), c = dir.resolve("samples.jsonl");
        String aText = "{\"iteration\":0,\"x\":1.5}\n{\"iteration\":1,\"x\":NaN}\n{\"iteration\":2,\"x\":3}\n";
        Files.writeString(a, aText);
        Files.writeString(b, "{\"iteration\":0}\n{\"iteration\":2}\n");
        Files.writeString(c, "{\"iteration\":0}\ngarbage\n{\"iteration\":1}\n");
        List<JsonlLog> logs = List.of(new JsonlLog(a, s -> {}), new JsonlLog(b, s -> {}), new JsonlLog(c, s -> {}));
        assertThrows(UncheckedIOException.class, () -> JsonlLog.truncate(logs, "iteration", 2));
        assertEquals(aText, Files.readString(a), "nothing is rewritten when one file is bad");

        Files.writeString(c, "{\"iteration\":0}\n{\"iteration\":1}\n{\"iteration\":2,\"torn");
        JsonlLog.truncate(logs, "iteration", 2);
        assertEquals("{\"iteration\":0,\"x\":1.5}\n{\"iteration\":1,\"x\":NaN}\n", Files.readString(a), "lines kept as written");
        assertEquals("{\"iteration\":0}\n", Files.readString(b));
        assertEquals("{\"iteration\":0}\n{\"iteration\":1}\n", Files.readString(c));
        JsonlLog.truncate(logs, "iteration", 0);                                      // resuming before the first checkpoint
        for (Path p : List.of(a, b, c)) assertEquals("", Files.readString(p));
    }
}
