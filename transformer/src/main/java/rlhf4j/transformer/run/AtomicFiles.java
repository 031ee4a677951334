package rlhf4j.transformer.run;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Durable file operations: a file is written under a temporary name in its own directory, forced to disk and renamed
 * over the target, so a reader sees the old text or the new one, never a mix; the directory is forced after the rename.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Replaces {@code file} with {@code text} (UTF-8) atomically; a full disk is a {@link RunDirectoryException}. */
    public static void writeString(Path file, String text) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            move(tmp, target, true);
            fsyncDirectory(dir);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw DiskSpace.explain(e, dir, bytes.length);
        }
    }

    /** Renames atomically where the file system can (a same-directory rename always can on POSIX). */
    static void move(Path from, Path to, boolean replace) throws IOException {
        try {
            if (replace) Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            else Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            if (replace) Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
            else Files.move(from, to);
        }
    }

    /** Forces a regular file's bytes to disk. */
    public static void fsync(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** Makes renames and new entries in dir durable; not every platform can open a directory, so best effort. */
    public static void fsyncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // the files themselves are complete; only the rename's durability across a power cut is not guaranteed
        }
    }

    /** Deletes a file or a directory tree; nothing if it is absent. */
    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
