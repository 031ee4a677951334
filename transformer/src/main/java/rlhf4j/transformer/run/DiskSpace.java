package rlhf4j.transformer.run;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Early, plain checks of an output directory: can we write there, is there room for a checkpoint. A full disk shows up
 * from a write to a memory-mapped file as {@code InternalError: a fault occurred in an unsafe memory access operation};
 * {@link #explain} turns that (and ENOSPC) into "no space left on DIR (needed ~N MB)".
 */
public final class DiskSpace {
    /** The usable bytes of the file system holding a directory. */
    @FunctionalInterface
    public interface Probe { long usableBytes(Path dir) throws IOException; }

    /** Test hook: a child JVM started with {@code -Drlhf4j.test.usableBytes=N} sees N bytes free everywhere. */
    public static final String USABLE_BYTES_PROPERTY = "rlhf4j.test.usableBytes";
    static final long MARGIN_BYTES = 1 << 20;

    private static final Probe FILE_STORE = dir -> Files.getFileStore(dir).getUsableSpace();
    private static volatile Probe probe = fromProperty();

    private DiskSpace() {}

    private static Probe fromProperty() {
        String v = System.getProperty(USABLE_BYTES_PROPERTY);
        if (v == null) return FILE_STORE;
        long bytes = Long.parseLong(v);
        return dir -> bytes;
    }

    /** Replaces the free-space probe (tests); null restores the real one. */
    public static void setProbe(Probe p) { probe = p == null ? fromProperty() : p; }

    /** Usable bytes where dir lives (dir must exist). */
    public static long usableBytes(Path dir) throws IOException { return probe.usableBytes(dir); }

    /**
     * Creates dir if needed and proves it writable by creating and deleting a file in it, so a run learns at its
     * start, not at its first save, that it cannot write its output.
     */
    public static void requireWritable(Path dir) throws RunDirectoryException {
        Path abs = dir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(abs);
        } catch (IOException e) {
            throw new RunDirectoryException(abs, "cannot create the output directory (" + reason(e) + "); choose another --out", e);
        }
        try {
            Path probeFile = Files.createTempFile(abs, ".write-check-", ".tmp");
            Files.delete(probeFile);
        } catch (IOException e) {
            throw new RunDirectoryException(abs, "the output directory is not writable (" + reason(e) + "); choose another --out", e);
        }
    }

    /** Throws "no space left" unless dir's file system has {@code bytes} usable plus a small margin. */
    public static void requireSpace(Path dir, long bytes) throws IOException {
        long free = usableBytes(dir);
        if (free < bytes + MARGIN_BYTES) throw noSpace(dir, bytes, free);
    }

    /** "no space left on DIR (needed ~N MB, M MB free)" */
    public static RunDirectoryException noSpace(Path dir, long needed, long free) {
        String freeText = free >= 0 ? String.format(Locale.ROOT, ", %s free", mb(free)) : "";
        return RunDirectoryException.worded(dir, String.format(Locale.ROOT, "no space left on %s (needed ~%s%s); free some space or "
                + "choose another --out", dir, mb(needed), freeText));
    }

    /**
     * What a failed write means: ENOSPC, or the InternalError of a mapped write that hit a full disk, becomes
     * {@link #noSpace}; anything else is returned as it is.
     */
    public static IOException explain(Throwable failure, Path dir, long needed) {
        if (isDiskFull(failure)) {
            long free;
            try {
                free = usableBytes(dir);
            } catch (IOException | RuntimeException e) {
                free = -1;
            }
            RunDirectoryException e = noSpace(dir, needed, free);
            e.initCause(failure);
            return e;
        }
        if (failure instanceof IOException io) return io;
        if (failure instanceof RuntimeException r) throw r;
        if (failure instanceof Error err) throw err;
        return new IOException(failure);
    }

    /** Whether a failure (or its causes) is the file system running out of space. */
    public static boolean isDiskFull(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            String m = String.valueOf(c.getMessage());
            if (c instanceof InternalError && m.contains("unsafe memory access")) return true;   // SIGBUS in a mapped write
            if (c instanceof IOException && (m.contains("No space left") || m.contains("Disk quota exceeded"))) return true;
        }
        return false;
    }

    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof FileSystemException f && f.getReason() != null) return f.getReason();
        return e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "");
    }

    private static String mb(long bytes) {
        return bytes >= 10L << 20 ? String.format(Locale.ROOT, "%d MB", (bytes + (1 << 19)) >> 20)
                : String.format(Locale.ROOT, "%.1f MB", bytes / 1048576.0);
    }
}
