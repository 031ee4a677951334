package rlhf4j.transformer.run;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Case 3: one run per directory. */
class RunLockTest {
    static Process javaMain(Class<?> main, String... args) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    @Test void aSecondRunInThisProcessIsRefusedAndTheLockIsFreedOnClose(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        try (RunLock lock = RunLock.runDirectory(run)) {
            assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(run.resolve(RunLock.FILE)));
            var e = assertThrows(RunDirectoryException.class, () -> RunLock.runDirectory(run));
            assertTrue(e.getMessage().contains("in use by another run (process " + ProcessHandle.current().pid()), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
            try (RunLock inner = RunLock.runDirectoryReentrant(run)) {               // e.g. the trainer under its command
                assertEquals(lock.file(), inner.file());
            }
            assertThrows(RunDirectoryException.class, () -> RunLock.runDirectory(run), "closing the inner handle keeps the lock");
        }
        try (RunLock again = RunLock.runDirectory(run)) {
            assertTrue(again.file().endsWith(RunLock.FILE));
        }
        assertEquals("", Files.readString(run.resolve(RunLock.FILE)), "no PID is left behind");
    }

    @Test void anotherProcessHoldingTheLockBlocksUntilItDies(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        Process holder = javaMain(LockHolder.class, run.toString());
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", out.readLine());
            var e = assertThrows(RunDirectoryException.class, () -> RunLock.runDirectory(run));
            assertTrue(e.getMessage().contains("in use by another run (process " + holder.pid() + ","), e.getMessage());
        } finally {
            holder.destroyForcibly();
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
        }
        assertEquals(holder.pid() + "\n", Files.readString(run.resolve(RunLock.FILE)), "the dead holder's lock file is still there");
        try (RunLock lock = RunLock.runDirectory(run)) {                              // ... and blocks nothing
            assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(run.resolve(RunLock.FILE)));
        }
    }

    @Test void aCheckpointDirectoryIsLockedBesideIt(@TempDir Path dir) throws IOException {
        try (RunLock lock = RunLock.checkpointDirectory(dir.resolve("model"))) {
            assertEquals(dir.toAbsolutePath().normalize().resolve("model.lock"), lock.file());
            assertThrows(RunDirectoryException.class, () -> RunLock.checkpointDirectory(dir.resolve("model")));
        }
    }

    /** Case 5: an output that cannot be created is a one-line error at once. */
    @Test void anUnwritableOutputIsReportedBeforeAnyWork(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("file"), "x");
        var e = assertThrows(RunDirectoryException.class, () -> RunLock.runDirectory(dir.resolve("file/run")));
        assertTrue(e.getMessage().contains("cannot create the output directory"), e.getMessage());
        assertTrue(e.getMessage().contains("choose another --out"), e.getMessage());
    }
}
