package rlhf4j.transformer.run;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointWriterTest {
    @AfterEach void realDisk() { DiskSpace.setProbe(null); }

    /** A checkpoint of two files, one in a subdirectory, whose bytes depend on the step. */
    static CheckpointWriter.Contents files(int step) {
        return dir -> {
            Files.writeString(dir.resolve("state.json"), "{\"step\": " + step + "}");
            Files.createDirectories(dir.resolve("trunk"));
            Files.write(dir.resolve("trunk/weights.bin"), new byte[1000 + step]);
        };
    }

    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test void theManifestListsEveryFileAndCatchesChangedBytes(@TempDir Path dir) throws IOException {
        Path ckpt = CheckpointWriter.write(dir.resolve("ckpt"), 7, Map.of("val_loss", "1.5"), 4096, files(7));
        Manifest m = Manifest.read(ckpt);
        assertEquals(7, m.step());
        assertEquals("1.5", m.info().get("val_loss"));
        assertEquals(List.of("state.json", "trunk/weights.bin"), m.files().stream().map(Manifest.Entry::name).toList());
        assertEquals(1007, m.files().get(1).bytes());
        assertEquals(Manifest.sha256(ckpt.resolve("state.json")), m.files().get(0).sha256());
        assertNull(Manifest.problem(ckpt));
        assertEquals(List.of("ckpt"), names(dir), "no temporary or old directory is left");

        byte[] w = Files.readAllBytes(ckpt.resolve("trunk/weights.bin"));
        w[500] = 1;                                                                   // same size, other bytes
        Files.write(ckpt.resolve("trunk/weights.bin"), w);
        assertTrue(Manifest.problem(ckpt).contains("trunk/weights.bin does not match its SHA-256"), Manifest.problem(ckpt));
        Files.write(ckpt.resolve("trunk/weights.bin"), new byte[10]);
        assertTrue(Manifest.problem(ckpt).contains("has 10 bytes, the manifest says 1007"), Manifest.problem(ckpt));
        Files.delete(ckpt.resolve(Manifest.FILE));
        assertTrue(Manifest.problem(ckpt).contains("no manifest.json"), Manifest.problem(ckpt));
    }

    /** Case 4: --resume skips a corrupt newest checkpoint and says so; rotation never deletes best. */
    @Test void newestValidFallsBackToAnOlderCheckpointAndRotationKeepsBest(@TempDir Path dir) throws IOException {
        CheckpointStore store = CheckpointStore.rotating(dir, 2, "state.json");
        Path first = store.save(1, Map.of(), 4096, files(1));
        store.saveBest(first, Map.of("score", "0.9"));
        store.save(2, Map.of(), 4096, files(2));
        Path third = store.save(3, Map.of(), 4096, files(3));
        assertEquals(List.of("best", "step-000002", "step-000003"), names(dir), "the newest 2 and best");
        assertEquals(1, CheckpointStore.stepOf(store.bestPath()));
        assertNull(Manifest.problem(store.bestPath()), "best keeps its files after step-000001 is deleted");
        assertEquals("0.9", store.bestInfo().get("score"));

        Files.write(third.resolve("trunk/weights.bin"), new byte[5]);                 // a torn copy, a bad disk...
        List<String> notes = new ArrayList<>();
        assertEquals(dir.resolve("step-000002"), store.newestValid(notes::add));
        assertEquals(2, notes.size(), notes.toString());
        assertTrue(notes.get(0).startsWith("skipping checkpoint " + third + ": trunk/weights.bin has 5 bytes"), notes.get(0));
        assertTrue(notes.get(1).contains("falling back to " + dir.resolve("step-000002") + " (step 2)"), notes.get(1));

        Files.write(dir.resolve("step-000002/state.json"), "{}".getBytes());
        notes.clear();
        assertEquals(store.bestPath(), store.newestValid(notes::add), "best is the last resort");
        assertEquals(3, notes.size(), notes.toString());
    }

    /** Case 4: a save that fails (disk full mid-write) leaves no temporary directory and the previous checkpoint whole. */
    @Test void aFailedSaveLeavesThePreviousCheckpointAndNoTemporary(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("out");
        CheckpointWriter.write(out, 1, Map.of(), 4096, files(1));
        IOException e = assertThrows(IOException.class, () -> CheckpointWriter.write(out, 2, Map.of(), 4096, tmp -> {
            files(2).writeTo(tmp);
            throw new InternalError("a fault occurred in an unsafe memory access operation");   // a mapped write on a full disk
        }));
        assertInstanceOf(RunDirectoryException.class, e);
        assertTrue(e.getMessage().contains("no space left on " + dir.toAbsolutePath().normalize() + " (needed ~"), e.getMessage());
        assertEquals(List.of("out"), names(dir));
        assertEquals(1, CheckpointStore.stepOf(out));
        assertNull(Manifest.problem(out));
    }

    /** Case 5: a full disk is found before anything is written, with the space needed. */
    @Test void notEnoughFreeSpaceIsReportedBeforeWriting(@TempDir Path dir) {
        DiskSpace.setProbe(d -> 3L << 20);
        var e = assertThrows(RunDirectoryException.class,
                () -> CheckpointWriter.write(dir.resolve("out"), 1, Map.of(), 50L << 20, files(1)));
        assertTrue(e.getMessage().contains("no space left on " + dir.toAbsolutePath().normalize() + " (needed ~50 MB, 3.0 MB free)"),
                e.getMessage());
        assertFalse(Files.exists(dir.resolve("out")));
    }

    /** Case 4: resuming from DIR.old (DIR missing), the next save must not delete DIR.old before DIR is in place. */
    @Test void savingWithOnlyTheOldCopyKeepsItUntilTheNewOneIsInPlace(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("out");
        CheckpointWriter.write(out, 1, Map.of(), 4096, files(1));
        Files.move(out, dir.resolve("out.old"));                                      // a crash between the renames
        assertEquals(dir.resolve("out.old"), CheckpointStore.single(out, "state.json").newestValid(s -> {}));
        assertThrows(IOException.class, () -> CheckpointWriter.write(out, 2, Map.of(), 4096, tmp -> {
            throw new IOException("simulated failure while writing");
        }));
        assertEquals(List.of("out.old"), names(dir), "the only checkpoint survives a failed save");
        CheckpointWriter.write(out, 2, Map.of(), 4096, files(2));
        assertEquals(List.of("out"), names(dir));
        assertEquals(2, CheckpointStore.stepOf(out));
    }

    /** Case 4: temporaries of crashed saves go; a finished one whose name is free takes it. */
    @Test void staleTemporariesAreRemovedOrPromoted(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("out");
        CheckpointWriter.write(out, 1, Map.of(), 4096, files(1));
        Files.createDirectories(dir.resolve("out.tmp-1a2b3c4d"));                    // crashed while writing
        Files.writeString(dir.resolve("out.tmp-1a2b3c4d/state.json"), "{");
        Files.createDirectories(dir.resolve("other.tmp-00000000"));                  // not this store's
        CheckpointStore store = CheckpointStore.single(out, "state.json");
        assertEquals(List.of(dir.resolve("out.tmp-1a2b3c4d")), store.cleanTemporaries());
        assertEquals(List.of("other.tmp-00000000", "out"), names(dir));

        Path done = CheckpointWriter.write(dir.resolve("scratch"), 2, Map.of(), 4096, files(2));
        Files.move(out, dir.resolve("out.old"));
        Files.move(done, dir.resolve("out.tmp-99999999"));                          // killed between the two renames
        assertEquals(List.of(), store.cleanTemporaries());
        assertEquals(List.of("other.tmp-00000000", "out", "out.old"), names(dir));
        assertEquals(2, CheckpointStore.stepOf(out));
        assertEquals(out, store.newestValid(s -> {}));
    }

    @Test void aCheckpointWithoutManifestFromAnOlderVersionIsAcceptedWithANote(@TempDir Path dir) throws IOException {
        Path legacy = Files.createDirectories(dir.resolve("step-000004"));
        files(4).writeTo(legacy);
        List<String> notes = new ArrayList<>();
        assertEquals(legacy, CheckpointStore.rotating(dir, 2, "state.json").newestValid(notes::add));
        assertTrue(notes.getFirst().contains("has no manifest.json (an older version wrote it)"), notes.toString());
    }
}
