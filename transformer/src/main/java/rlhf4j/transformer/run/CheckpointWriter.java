package rlhf4j.transformer.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * The one way a checkpoint directory is written (pretraining, SFT, reward models, classifiers, PPO):
 *
 * <ol>
 * <li>the contents go into a fresh sibling {@code NAME.tmp-XXXXXXXX} after a check that the disk has room;</li>
 * <li>every file is forced to disk, then {@code manifest.json} (names, sizes, SHA-256) is written and the directory
 *     forced: a directory with a valid manifest is complete;</li>
 * <li>the swap: a valid NAME is renamed to {@code NAME.old} (an invalid one is deleted), the temporary directory is
 *     renamed to NAME and the parent forced; only then is {@code NAME.old} deleted.</li>
 * </ol>
 *
 * A crash at any point leaves NAME or NAME.old complete (see {@link CheckpointStore#newestValid}); leftover
 * temporary directories are removed by {@link #cleanTemporaries} when the next run takes the directory's lock.
 */
public final class CheckpointWriter {
    /** What goes into a checkpoint directory. */
    @FunctionalInterface
    public interface Contents { void writeTo(Path dir) throws IOException; }

    /**
     * Test hook: {@code -Drlhf4j.test.haltCheckpoint=before-swap|between-renames|after-swap} halts the JVM (exit status
     * {@value #HALT_STATUS}) at that point of a swap, from the (K+1)-th swap on with
     * {@code -Drlhf4j.test.haltCheckpointSkip=K}, of directories
     * named {@code rlhf4j.test.haltCheckpointName} (any when unset).
     */
    public static final String HALT_PROPERTY = "rlhf4j.test.haltCheckpoint", HALT_NAME_PROPERTY = "rlhf4j.test.haltCheckpointName",
            HALT_SKIP_PROPERTY = "rlhf4j.test.haltCheckpointSkip";
    public static final int HALT_STATUS = 86;
    private static final java.util.concurrent.atomic.AtomicInteger SWAPS = new java.util.concurrent.atomic.AtomicInteger();
    static final String TMP_INFIX = ".tmp-", OLD_SUFFIX = ".old";

    private CheckpointWriter() {}

    /**
     * Writes a complete checkpoint at dst, replacing what is there. {@code expectedBytes} (an estimate of the files'
     * total size) is checked against the free space first; a full disk during the write is reported the same way.
     */
    public static Path write(Path dst, int step, Map<String, String> info, long expectedBytes, Contents contents) throws IOException {
        return write(dst, step, info, expectedBytes, null, contents);
    }

    /**
     * {@link #write(Path, int, Map, long, Contents)} that may also replace a checkpoint written before manifests
     * existed, recognised by its {@code legacyMarker} file. Any other non-empty directory without a manifest is
     * refused: it is not a checkpoint, and a swap would delete it.
     */
    public static Path write(Path dst, int step, Map<String, String> info, long expectedBytes, String legacyMarker,
                             Contents contents) throws IOException {
        Path target = dst.toAbsolutePath().normalize();
        Path parent = target.getParent();
        requireReplaceable(target, legacyMarker);
        Files.createDirectories(parent);
        DiskSpace.requireSpace(parent, expectedBytes);
        Path tmp = parent.resolve(target.getFileName() + TMP_INFIX + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
        Files.createDirectory(tmp);
        try {
            contents.writeTo(tmp);
            for (Path f : Manifest.listFiles(tmp)) AtomicFiles.fsync(f);
            Manifest.of(tmp, step, info).write(tmp);
            AtomicFiles.fsyncDirectory(tmp);
        } catch (IOException | RuntimeException | InternalError e) {
            deleteQuietly(tmp);
            throw DiskSpace.explain(e, parent, expectedBytes);
        }
        swapIn(tmp, target);
        return target;
    }

    /**
     * Makes dst a checkpoint with the same files as the complete checkpoint src (hard links where the file system
     * allows, copies otherwise) and its own step and info; files are never changed in place, so sharing them is safe.
     */
    public static Path link(Path src, Path dst, int step, Map<String, String> info) throws IOException {
        Manifest m = Manifest.read(src);
        Path target = dst.toAbsolutePath().normalize();
        Path parent = target.getParent();
        Path tmp = parent.resolve(target.getFileName() + TMP_INFIX + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
        Files.createDirectory(tmp);
        try {
            for (Manifest.Entry e : m.files()) {
                Path from = src.resolve(e.name()), to = tmp.resolve(e.name());
                Files.createDirectories(to.getParent());
                try {
                    Files.createLink(to, from);
                } catch (IOException | UnsupportedOperationException noLinks) {
                    DiskSpace.requireSpace(parent, e.bytes());
                    Files.copy(from, to);
                    AtomicFiles.fsync(to);
                }
            }
            new Manifest(step, info, m.files()).write(tmp);
            AtomicFiles.fsyncDirectory(tmp);
        } catch (IOException | RuntimeException | InternalError e) {
            deleteQuietly(tmp);
            throw DiskSpace.explain(e, parent, m.totalBytes());
        }
        swapIn(tmp, target);
        return target;
    }

    private static void requireReplaceable(Path target, String legacyMarker) throws IOException {
        if (!Files.exists(target)) return;
        if (!Files.isDirectory(target)) throw new RunDirectoryException(target, "is a file, not a checkpoint directory; choose another --out");
        if (Files.exists(target.resolve(Manifest.FILE)) || (legacyMarker != null && Files.exists(target.resolve(legacyMarker)))) return;
        try (Stream<Path> s = Files.list(target)) {
            if (s.findAny().isPresent())
                throw new RunDirectoryException(target, "exists and is not a checkpoint (no " + Manifest.FILE
                        + "); refusing to replace it: choose another --out");
        }
    }

    /** Renames a complete temporary directory to target, keeping a valid previous target until the new one is in place. */
    private static void swapIn(Path tmp, Path target) throws IOException {
        Path parent = target.getParent();
        Path old = parent.resolve(target.getFileName() + OLD_SUFFIX);
        boolean haltHere = haltArmed(target);
        halt(haltHere, "before-swap", target);
        if (Files.exists(target)) {
            boolean corrupt = Files.exists(target.resolve(Manifest.FILE)) && Manifest.quickProblem(target) != null;
            if (corrupt) {                                        // not a complete checkpoint: NAME.old (if any) stays
                AtomicFiles.deleteTree(target);
            } else {                                              // a good (or pre-manifest) one: kept until the swap is done
                AtomicFiles.deleteTree(old);
                AtomicFiles.move(target, old, false);
            }
            AtomicFiles.fsyncDirectory(parent);
        }
        halt(haltHere, "between-renames", target);
        AtomicFiles.move(tmp, target, false);
        AtomicFiles.fsyncDirectory(parent);
        halt(haltHere, "after-swap", target);
        AtomicFiles.deleteTree(old);
    }

    /**
     * Deletes the temporary directories {@code NAME.tmp-*} (and the older writer's {@code .tmp-NAME}) left in
     * parent by crashed or failed saves of checkpoints whose names start with {@code prefix}. Call it only while
     * holding the run's lock: another live run's temporary directory would go too.
     */
    public static List<Path> cleanTemporaries(Path parent, String prefix) throws IOException {
        if (!Files.isDirectory(parent)) return List.of();
        List<Path> stale;
        try (Stream<Path> s = Files.list(parent)) {
            stale = s.filter(p -> {
                String n = p.getFileName().toString();
                return (n.startsWith(prefix) && n.contains(TMP_INFIX)) || n.startsWith(".tmp-" + prefix);
            }).toList();
        }
        List<Path> removed = new java.util.ArrayList<>();
        for (Path p : stale) {
            if (promoted(p)) continue;
            AtomicFiles.deleteTree(p);
            removed.add(p);
        }
        return removed;
    }

    /**
     * A finished temporary directory (valid manifest) whose checkpoint name is free, as a crash between the renames
     * of a swap leaves it, takes that name instead of being deleted: it is newer than NAME.old.
     */
    private static boolean promoted(Path tmp) throws IOException {
        String n = tmp.getFileName().toString();
        int at = n.indexOf(TMP_INFIX);
        if (at <= 0 || Manifest.problem(tmp) != null) return false;
        Path target = tmp.resolveSibling(n.substring(0, at));
        if (Files.exists(target)) return false;
        AtomicFiles.move(tmp, target, false);
        AtomicFiles.fsyncDirectory(tmp.getParent());
        return true;
    }

    /** Whether the halt hook applies to this swap (counting the swaps it matches). */
    private static boolean haltArmed(Path target) {
        if (System.getProperty(HALT_PROPERTY) == null) return false;
        String name = System.getProperty(HALT_NAME_PROPERTY);
        if (name != null && !target.getFileName().toString().equals(name)) return false;
        return SWAPS.getAndIncrement() >= Integer.getInteger(HALT_SKIP_PROPERTY, 0);
    }

    private static void halt(boolean armed, String point, Path target) {
        if (!armed || !point.equals(System.getProperty(HALT_PROPERTY))) return;
        System.err.println("halting at " + point + " of " + target + " (" + HALT_PROPERTY + ")");
        System.err.flush();
        Runtime.getRuntime().halt(HALT_STATUS);
    }

    private static void deleteQuietly(Path p) {
        try {
            AtomicFiles.deleteTree(p);
        } catch (IOException | RuntimeException ignored) {
            // the temporary directory is cleaned at the next start
        }
    }
}
