package rlhf4j.rlhf.stage;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputsTest {
    final ByteArrayOutputStream log = new ByteArrayOutputStream();
    final PrintStream err = new PrintStream(log, true, StandardCharsets.UTF_8);

    @Test void missingOrEmptyOutputsAreFine(@TempDir Path dir) throws Exception {
        Outputs.prepare(dir.resolve("none"), OutputMode.REFUSE, err);
        Path emptyDir = Files.createDirectories(dir.resolve("empty"));
        Outputs.prepare(emptyDir, OutputMode.REFUSE, err);
        assertTrue(Files.isDirectory(emptyDir));
        Path emptyFile = Files.createFile(dir.resolve("empty.jsonl"));
        Outputs.prepare(emptyFile, OutputMode.REFUSE, err);
        assertFalse(Files.exists(emptyFile));
        assertEquals("", log.toString());
    }

    @Test void refuseLeavesTheOutputAndNamesIt(@TempDir Path dir) throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.writeString(out.resolve("a.jsonl"), "{}\n");
        var e = assertThrows(IllegalArgumentException.class, () -> Outputs.prepare(out, OutputMode.REFUSE, err));
        assertEquals(out + " already exists; pass --overwrite to replace it", e.getMessage());
        assertEquals("{}\n", Files.readString(out.resolve("a.jsonl")));
    }

    @Test void replaceDeletesTheWholeTreeAndSaysSo(@TempDir Path dir) throws Exception {
        Path out = Files.createDirectories(dir.resolve("out").resolve("sub"));
        Files.writeString(out.resolve("x.txt"), "x");
        Outputs.prepare(dir.resolve("out"), OutputMode.REPLACE, err);
        assertFalse(Files.exists(dir.resolve("out")));
        assertEquals("replacing " + dir.resolve("out") + System.lineSeparator(), log.toString());
        Path file = Files.writeString(dir.resolve("f.jsonl"), "{}\n");
        Outputs.prepare(file, OutputMode.REPLACE, null);                    // no stream: silent
        assertFalse(Files.exists(file));
    }

    @Test void severalOutputsAreRefusedTogether(@TempDir Path dir) throws Exception {
        Path empty = Files.createFile(dir.resolve("a.jsonl")), full = Files.writeString(dir.resolve("b.jsonl"), "{}\n");
        var e = assertThrows(IllegalArgumentException.class, () -> Outputs.prepare(List.of(empty, full), OutputMode.REFUSE, err));
        assertTrue(e.getMessage().startsWith(full.toString()), e.getMessage());
        assertTrue(Files.exists(empty), "a refused run touches nothing");
        Outputs.prepare(List.of(empty, full), OutputMode.REPLACE, err);
        assertFalse(Files.exists(empty) || Files.exists(full));
    }

    @Test void contextDefaultsToSilence() {
        StageContext quiet = StageContext.quiet();
        assertNotNull(quiet.err());
        quiet.err().println("nothing");                                      // goes nowhere, does not throw
        assertEquals(OutputMode.REPLACE, quiet.withOutput(OutputMode.of(true)).output());
        assertEquals(OutputMode.REFUSE, OutputMode.of(false));
    }
}
