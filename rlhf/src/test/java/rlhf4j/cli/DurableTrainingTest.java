package rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import rlhf4j.transformer.run.CheckpointStore;
import rlhf4j.transformer.run.DiskSpace;
import rlhf4j.transformer.run.Manifest;
import rlhf4j.transformer.run.RunLock;

/** The pretrain and ppo commands never lose a good checkpoint: divergence, a second run, a full disk, a corrupt checkpoint. */
class DurableTrainingTest {
    @TempDir Path dir;
    final ByteArrayOutputStream log = new ByteArrayOutputStream();

    @AfterEach void realDisk() { DiskSpace.setProbe(null); }

    /** Runs the pretrain command through Main's error handling; returns the exit status (stderr lines collect in log). */
    int pretrain(String... args) {
        PrintStream err = new PrintStream(log, true, StandardCharsets.UTF_8);
        CommandLine cl = new CommandLine(new PretrainCommand(err));
        cl.setExecutionExceptionHandler(CliErrors::handleExecutionException);
        cl.setErr(new PrintWriter(new java.io.OutputStreamWriter(log, StandardCharsets.UTF_8), true));
        cl.setOut(new PrintWriter(new StringWriter()));
        return cl.execute(args);
    }

    String log() { return log.toString(StandardCharsets.UTF_8); }

    /** Case 1: lr 1e6 blows the loss up at once: exit status 3, a diagnosis, and no checkpoint of the blown-up weights. */
    @Test void aDivergedRunSavesNothingAndExitsNonZero() throws IOException {
        Path data = TrainCommandsTest.corpus(dir), out = dir.resolve("out");
        int code = pretrain("--data", data.toString(), "--out", out.toString(), "--n-layer", "1", "--n-head", "2", "--n-embd", "16",
                "--block-size", "16", "--batch-size", "4", "--iters", "10", "--eval-interval", "1", "--eval-iters", "1", "--warmup", "2",
                "--lr", "1e6", "--min-lr", "1e5");
        assertEquals(3, code, log());
        assertTrue(log().contains("training stopped: the evaluation went bad at step 1:"), log());
        assertTrue(log().contains("is more than 10 × the training loss at the start (2.91"), log());
        assertTrue(log().contains("no checkpoint was written before it"), log());
        assertFalse(Files.exists(out), "nothing was saved");
    }

    /** Case 3: a second run on the same --out fails at once with one line naming the holder. */
    @Test void aSecondRunOnTheSameDirectoryIsRefused() throws IOException {
        Path data = TrainCommandsTest.corpus(dir), out = dir.resolve("out");
        try (RunLock held = RunLock.checkpointDirectory(out)) {
            assertEquals(CliErrors.USER_ERROR, pretrain(TrainCommandsTest.tinyModel(data, out)), log());
        }
        String[] lines = log().lines().toArray(String[]::new);
        assertEquals(1, lines.length, log());
        assertTrue(lines[0].startsWith("pretrain: " + out.toAbsolutePath() + ": in use by another run (process "
                + ProcessHandle.current().pid() + ", lock " + out.toAbsolutePath() + ".lock)"), lines[0]);
        assertFalse(Files.exists(out));
    }

    /** Case 3: a second ppo run on the same --out fails before it loads anything, with one line naming the holder. */
    @Test void aSecondPpoRunOnTheSameDirectoryIsRefusedAtOnce() throws IOException {
        Path run = dir.resolve("run");
        int code;
        try (RunLock held = RunLock.runDirectory(run)) {
            CommandLine cl = new CommandLine(new PpoCommand());
            cl.setExecutionExceptionHandler(CliErrors::handleExecutionException);
            cl.setErr(new PrintWriter(new java.io.OutputStreamWriter(log, StandardCharsets.UTF_8), true));
            code = cl.execute("--policy", dir.resolve("not-loaded-yet.bin").toString(), "--reward", "oracle:vader", "--prompts", "tinystories", "--out", run.toString());
        }
        assertEquals(CliErrors.USER_ERROR, code, log());
        assertEquals(1, log().lines().count(), log());
        assertTrue(log().startsWith("ppo: " + run.toAbsolutePath() + ": in use by another run (process " + ProcessHandle.current().pid()),
                log());
        try (Stream<Path> s = Files.list(run)) {
            assertEquals(java.util.List.of(".lock"), s.map(p -> p.getFileName().toString()).toList(), "the refused run wrote nothing");
        }
    }

    /** Case 5: a full disk and an unwritable --out are one line each, before any training step. */
    @Test void aFullDiskOrAnUnwritableOutputIsReportedAtTheStart() throws IOException {
        Path data = TrainCommandsTest.corpus(dir);
        DiskSpace.setProbe(d -> 200_000);
        assertEquals(CliErrors.USER_ERROR, pretrain(TrainCommandsTest.tinyModel(data, dir.resolve("out"))), log());
        String last = log().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("pretrain: no space left on " + dir.toAbsolutePath() + " (needed ~"), last);
        assertTrue(last.endsWith(" MB, 0.2 MB free); free some space or choose another --out"), last);
        assertFalse(log().contains("step 1"), "no step ran");
        DiskSpace.setProbe(null);

        log.reset();
        Files.writeString(dir.resolve("a-file"), "x");
        assertEquals(CliErrors.USER_ERROR, pretrain(TrainCommandsTest.tinyModel(data, dir.resolve("a-file/sub/out"))), log());
        assertEquals(1, log().lines().count(), log());
        assertTrue(log().contains("cannot create the output directory"), log());
    }

    /** Case 4: --resume skips a corrupt newest checkpoint, says so, and finishes from the best one. */
    @Test void resumeFallsBackFromACorruptCheckpoint() throws IOException {
        Path data = TrainCommandsTest.corpus(dir), out = dir.resolve("out");
        assertEquals(0, pretrain(TrainCommandsTest.tinyModel(data, out, "--stop-after", "5")), log());
        assertEquals(5, CheckpointStore.stepOf(out));
        Path best = dir.resolve("out.best");
        int bestStep = CheckpointStore.stepOf(best);
        assertTrue(bestStep == 3 || bestStep == 5, "evaluated at 3 and 5: " + bestStep);
        Files.delete(out.resolve("optimizer.safetensors"));                          // e.g. a partial copy of the run

        log.reset();
        assertEquals(0, pretrain("--resume", out.toString()), log());
        assertTrue(log().contains("skipping checkpoint " + out.toAbsolutePath() + ": optimizer.safetensors is missing"), log());
        assertTrue(log().contains("falling back to " + best.toAbsolutePath() + " (step " + bestStep + ")"), log());
        assertEquals(6, CheckpointStore.stepOf(out));
        assertNull(Manifest.problem(out));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(java.util.List.of("corpus.txt", "out", "out.best", "out.lock"),
                    s.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary or old directory is left");
        }
    }
}
