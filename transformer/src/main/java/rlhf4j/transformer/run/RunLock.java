package rlhf4j.transformer.run;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An exclusive OS lock on a run's output, so two runs never write the same directory: {@code RUN/.lock} for a run
 * directory (PPO, the pipeline) and the sibling {@code DIR.lock} for a checkpoint directory that saves replace whole
 * (pretraining, SFT, reward models, classifiers). The holder's PID is written into the file. The OS drops the lock
 * when the process dies, so a lock file left by a killed run blocks nothing; the file itself stays (deleting it would
 * let two processes lock two different files under one name).
 *
 * <p>In a data-parallel job only rank 0 writes, so only rank 0 locks; the other ranks get a handle that holds
 * nothing (they would otherwise find rank 0's lock and stop).
 */
public final class RunLock implements AutoCloseable {
    public static final String FILE = ".lock";

    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();   // lock files this JVM holds

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /** Locks run directory RUN through RUN/.lock (creating RUN, after checking it is writable). */
    public static RunLock runDirectory(Path runDir) throws IOException {
        DiskSpace.requireWritable(runDir);
        return acquire(runDir.toAbsolutePath().normalize().resolve(FILE), runDir);
    }

    /**
     * RUN's lock for code that may run inside a command already holding it (the PPO trainer under the ppo command):
     * a no-op handle when this JVM holds it, else {@link #runDirectory}.
     */
    public static RunLock runDirectoryReentrant(Path runDir) throws IOException {
        Path file = runDir.toAbsolutePath().normalize().resolve(FILE);
        return HELD.contains(file) ? new RunLock(file, null, null) : runDirectory(runDir);
    }

    /** Locks checkpoint directory DIR through DIR.lock (creating DIR's parent, after checking it is writable). */
    public static RunLock checkpointDirectory(Path dir) throws IOException {
        Path d = dir.toAbsolutePath().normalize();
        DiskSpace.requireWritable(d.getParent());
        return acquire(d.resolveSibling(d.getFileName() + ".lock"), d);
    }

    /**
     * Takes the lock or fails at once naming the holder's PID. A lock this JVM holds is refused before any channel
     * is opened: closing a second channel on the file would drop the first one's POSIX lock.
     */
    static RunLock acquire(Path lockFile, Path what) throws IOException {
        if (!rlhf4j.tensor.dist.Collectives.world().isRoot()) return new RunLock(lockFile, null, null);
        if (!HELD.add(lockFile)) throw inUse(what, lockFile, Long.toString(ProcessHandle.current().pid()));
        try {
            return lock(lockFile, what);
        } catch (IOException | RuntimeException | Error e) {
            HELD.remove(lockFile);
            throw e;
        }
    }

    private static RunLock lock(Path lockFile, Path what) throws IOException {
        FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            String holder = holder(ch);
            ch.close();
            throw inUse(what, lockFile, holder);
        }
        try {
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(false);
        } catch (IOException e) {
            lock.release();
            ch.close();
            throw DiskSpace.explain(e, lockFile.getParent(), 16);
        }
        return new RunLock(lockFile, ch, lock);
    }

    private static RunDirectoryException inUse(Path what, Path lockFile, String pid) {
        return new RunDirectoryException(what.toAbsolutePath().normalize(), "in use by another run (process " + pid
                + ", lock " + lockFile + "); wait for it to finish or choose another --out");
    }

    private static String holder(FileChannel ch) {
        try {
            ByteBuffer buf = ByteBuffer.allocate(64);
            ch.read(buf, 0);
            String pid = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).strip();
            return pid.matches("\\d+") ? pid : "unknown";
        } catch (IOException e) {
            return "unknown";
        }
    }

    public Path file() { return file; }

    /** Releases the lock and empties the file (no PID left behind); the file stays. */
    @Override public void close() throws IOException {
        if (channel == null) return;                 // a re-entered lock: the outer holder releases it
        try {
            if (lock.isValid()) {
                channel.truncate(0);
                lock.release();
            }
        } finally {
            channel.close();
            HELD.remove(file);
        }
    }
}
