package rlhf4j.tensor.blas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.Set;

/**
 * The native libraries shipped inside Maven Central's {@code org.bytedeco:openblas:linux-x86_64} jar, extracted
 * once from the class path into a per-version cache directory and loaded from there.
 *
 * <p>The jar holds {@code libopenblas.so.0} and its Fortran runtime ({@code libgfortran.so.5}, which needs
 * {@code libquadmath.so.0} and {@code libgcc_s.so.1}). A fresh machine usually lacks libgfortran, so the runtime is
 * loaded first, by absolute path: the dynamic linker then finds it by soname when a library that needs it (OpenBLAS,
 * jblas) is loaded later. Only the .so files are used; JavaCPP, which the jar was built for, is not.
 *
 * <p>Cache: {@code ${rlhf4j.native.dir}}, default {@code ${user.home}/.cache/rlhf4j/native/openblas-0.3.30/}. A
 * file is written to a temporary name and renamed into place, so concurrent JVMs never see a half-written library;
 * a cached file whose size matches the jar entry is reused.
 */
public final class NativeLibraries {
    /** Matches the openblas artifact version in the parent pom (0.3.30-1.5.12). */
    public static final String OPENBLAS_VERSION = "0.3.30";
    private static final String JAR_DIR = "org/bytedeco/openblas/linux-x86_64/";

    private static final Set<String> loaded = new HashSet<>();

    private NativeLibraries() {}

    /** The directory the libraries are extracted to. */
    public static Path cacheDir() {
        String dir = System.getProperty("rlhf4j.native.dir");
        if (dir != null) return Path.of(dir);
        return Path.of(System.getProperty("user.home"), ".cache", "rlhf4j", "native", "openblas-" + OPENBLAS_VERSION);
    }

    /** Fails with a clear message on platforms the jar has no libraries for. */
    static void requireLinuxX86_64() {
        String os = System.getProperty("os.name"), arch = System.getProperty("os.arch");
        if (!os.toLowerCase().contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64")))
            throw new UnsupportedOperationException("the bundled OpenBLAS natives are for linux-x86_64; this is "
                    + os + "/" + arch);
    }

    /**
     * Loads the Fortran runtime (libquadmath, libgcc_s if the system has none, libgfortran) into this process.
     * Idempotent. Afterwards any library whose DT_NEEDED names libgfortran.so.5 links against this copy.
     */
    public static synchronized void loadFortranRuntime() {
        requireLinuxX86_64();
        load("libquadmath.so.0");
        if (!systemHas("libgcc_s.so.1")) load("libgcc_s.so.1");   // normally present: glibc systems ship it
        load("libgfortran.so.5");
    }

    /** Extracts (if needed) and {@link System#load}s one library of the jar; idempotent. */
    public static synchronized void load(String fileName) {
        if (loaded.contains(fileName)) return;
        System.load(extract(fileName).toString());
        loaded.add(fileName);
    }

    /** The path of a library of the jar in the cache directory, extracting it the first time. */
    public static Path extract(String fileName) {
        String resource = JAR_DIR + fileName;
        URL url = NativeLibraries.class.getClassLoader().getResource(resource);
        if (url == null)
            throw new IllegalStateException(resource + " is not on the class path: add the dependency "
                    + "org.bytedeco:openblas:" + OPENBLAS_VERSION + "-1.5.12 with classifier linux-x86_64");
        Path target = cacheDir().resolve(fileName);
        try {
            URLConnection conn = url.openConnection();
            conn.setUseCaches(false);   // a cached JarFile could be closed under another reader
            long size = conn.getContentLengthLong();
            if (Files.isRegularFile(target) && size >= 0 && Files.size(target) == size) return target;   // reuse
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), fileName, ".tmp");
            try (InputStream in = conn.getInputStream()) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract " + resource + " to " + target
                    + " (set -Drlhf4j.native.dir to a writable directory)", e);
        }
    }

    /** Whether the dynamic linker finds a library by soname on its own (it then stays loaded, which is harmless). */
    private static boolean systemHas(String soname) {
        try {
            SymbolLookup.libraryLookup(soname, Arena.global());
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
