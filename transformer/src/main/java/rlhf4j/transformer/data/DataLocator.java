package rlhf4j.transformer.data;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds data set files. Each file is looked for, in order, in
 * <ol>
 *   <li>an explicit data folder ({@code --data-dir}, the system property {@code rlhf4j.data} or the environment
 *       variable {@code RLHF4J_DATA});</li>
 *   <li>the nearest {@code shared/data} folder found by walking up from the working directory;</li>
 *   <li>the user cache ({@code RLHF4J_CACHE}, the system property {@code rlhf4j.cache}, or {@code ~/.cache/rlhf4j}),
 *       which a file of the {@link DataCatalog} fills on first use by downloading it from its public source and
 *       checking it against its pinned SHA-256.</li>
 * </ol>
 * The first place that holds the file wins. Instances are immutable; {@link #fromEnvironment()} reads the settings
 * afresh, and the {@code with...} methods give variants (tests use them to point at temporary folders).
 */
public final class DataLocator {
    /** System property: the explicit data folder (same as {@code RLHF4J_DATA}). */
    public static final String DATA_PROPERTY = "rlhf4j.data";
    /** System property: the cache folder (same as {@code RLHF4J_CACHE}). */
    public static final String CACHE_PROPERTY = "rlhf4j.cache";
    /** System property, for tests: a base URL that replaces every source, followed by the file's data path. */
    public static final String MIRROR_PROPERTY = "rlhf4j.data.mirror";

    /** Cache files already checked against their pin in this JVM, so each is hashed once. */
    private static final Set<Path> VERIFIED = ConcurrentHashMap.newKeySet();

    private final Path explicitDir;      // null when none is set
    private final String explicitOrigin; // how it was set, for messages: "--data-dir", "RLHF4J_DATA" ...
    private final Path start;
    private final Path cacheDir;
    private final String mirror;         // null: the files' own sources
    private final List<DataFile> catalog;
    private final PrintStream log;

    private DataLocator(Path explicitDir, String explicitOrigin, Path start, Path cacheDir, String mirror,
                        List<DataFile> catalog, PrintStream log) {
        this.explicitDir = explicitDir;
        this.explicitOrigin = explicitOrigin;
        this.start = start;
        this.cacheDir = cacheDir;
        this.mirror = mirror;
        this.catalog = List.copyOf(catalog);
        this.log = log;
    }

    /** The locator the settings give now: {@link DataSets#dataDir()}, system properties, environment, working directory. */
    public static DataLocator fromEnvironment() {
        Path explicit = DataSets.dataDir();
        String origin = "--data-dir";
        if (explicit == null && System.getProperty(DATA_PROPERTY) != null) {
            explicit = Path.of(System.getProperty(DATA_PROPERTY));
            origin = "-D" + DATA_PROPERTY;
        } else if (explicit == null && System.getenv("RLHF4J_DATA") != null && !System.getenv("RLHF4J_DATA").isEmpty()) {
            explicit = Path.of(System.getenv("RLHF4J_DATA"));
            origin = "RLHF4J_DATA";
        }
        return new DataLocator(explicit, origin, Path.of("").toAbsolutePath(), defaultCache(),
                System.getProperty(MIRROR_PROPERTY), DataCatalog.FILES, System.err);
    }

    private static Path defaultCache() {
        String dir = System.getProperty(CACHE_PROPERTY);
        if (dir == null || dir.isEmpty()) dir = System.getenv("RLHF4J_CACHE");
        if (dir != null && !dir.isEmpty()) return Path.of(dir).toAbsolutePath();
        return Path.of(System.getProperty("user.home"), ".cache", "rlhf4j");
    }

    /** This locator with {@code dir} as the explicit data folder (null: none). */
    public DataLocator withExplicitDir(Path dir) {
        return new DataLocator(dir, "--data-dir", start, cacheDir, mirror, catalog, log);
    }

    /**
     * This locator walking up from {@code dir} rather than the working directory to find {@code shared/data}; null
     * skips that step.
     */
    public DataLocator withStart(Path dir) {
        return new DataLocator(explicitDir, explicitOrigin, dir == null ? null : dir.toAbsolutePath(), cacheDir, mirror,
                catalog, log);
    }

    /** This locator with {@code dir} as the cache. */
    public DataLocator withCache(Path dir) {
        return new DataLocator(explicitDir, explicitOrigin, start, dir.toAbsolutePath(), mirror, catalog, log);
    }

    /** This locator downloading from {@code baseUrl + "/" + path} rather than each file's source (null: the sources). */
    public DataLocator withMirror(String baseUrl) {
        return new DataLocator(explicitDir, explicitOrigin, start, cacheDir, baseUrl, catalog, log);
    }

    /** This locator knowing {@code files} rather than the {@link DataCatalog}. */
    public DataLocator withCatalog(List<DataFile> files) {
        return new DataLocator(explicitDir, explicitOrigin, start, cacheDir, mirror, files, log);
    }

    /** This locator reporting downloads to {@code out} rather than stderr. */
    public DataLocator withLog(PrintStream out) {
        return new DataLocator(explicitDir, explicitOrigin, start, cacheDir, mirror, catalog, out);
    }

    /** The cache folder. */
    public Path cacheDir() { return cacheDir; }

    /**
     * The data file at {@code path} (e.g. {@code lexicons/vader_lexicon.txt}): from the explicit folder, else
     * shared/data, else the cache, downloading a catalogued file there on first use.
     *
     * @throws DataUnavailableException a catalogued file that is nowhere and cannot be downloaded
     * @throws UncheckedIOException     (a {@link NoSuchFileException}) a file that is nowhere and not catalogued
     */
    public Path file(String path) {
        checkRelative(path);
        for (Path root : roots()) {
            Path candidate = root.resolve(path);
            if (Files.isRegularFile(candidate)) return candidate;
        }
        Optional<DataFile> known = DataCatalog.find(catalog, path);
        if (known.isEmpty()) throw notFound(path);
        return cached(known.get());
    }

    /**
     * The data folder at {@code path} (e.g. {@code tweeteval-hate}): the first of the explicit folder and shared/data
     * that holds it with all its catalogued files, else the cache folder with every catalogued file under it fetched.
     */
    public Path folder(String path) {
        checkRelative(path);
        List<DataFile> files = DataCatalog.under(catalog, path);
        for (Path root : roots()) {
            Path candidate = root.resolve(path);
            if (Files.isDirectory(candidate)
                    && files.stream().allMatch(f -> Files.isRegularFile(root.resolve(f.path())))) return candidate;
        }
        if (files.isEmpty()) throw notFound(path);
        files.forEach(this::cached);
        return cacheDir.resolve(path);
    }

    /** A data file or folder: {@link #file} for a catalogued file, {@link #folder} for a catalogued folder, else the first root holding it. */
    public Path path(String path) {
        checkRelative(path);
        if (DataCatalog.find(catalog, path).isPresent()) return file(path);
        if (!DataCatalog.under(catalog, path).isEmpty()) return folder(path);
        for (Path root : roots()) {
            if (Files.exists(root.resolve(path))) return root.resolve(path);
        }
        throw notFound(path);
    }

    /** The folders searched before the cache: the explicit one (which must exist), then the nearest shared/data. */
    List<Path> roots() {
        List<Path> roots = new ArrayList<>(2);
        if (explicitDir != null) {
            if (!Files.isDirectory(explicitDir)) {
                throw new IllegalArgumentException(explicitOrigin + " " + explicitDir + ": no such folder");
            }
            roots.add(explicitDir);
        }
        sharedData().ifPresent(roots::add);
        return roots;
    }

    /** The nearest {@code shared/data} folder at or above the start folder. */
    public Optional<Path> sharedData() {
        if (start == null) return Optional.empty();
        for (Path dir = start.normalize(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve("data");
            if (Files.isDirectory(candidate)) return Optional.of(candidate);
        }
        return Optional.empty();
    }

    /** The cached copy of {@code file}, downloaded and verified first if it is not there yet. */
    private Path cached(DataFile file) {
        Path target = cacheDir.resolve(file.path());
        if (!Files.isRegularFile(target)) {
            URI uri = mirror == null ? file.source() : URI.create(mirror.replaceAll("/+$", "") + "/" + file.path());
            synchronized (VERIFIED) {  // one download at a time in this JVM; a racing process only replaces equal bytes
                if (!Files.isRegularFile(target)) DataDownload.fetch(file, uri, target, log);
            }
            VERIFIED.add(target);
            return target;
        }
        if (!VERIFIED.contains(target)) {
            verify(file, target);
            VERIFIED.add(target);
        }
        return target;
    }

    /** Checks a cached file (perhaps put there by hand) against its pin. */
    private static void verify(DataFile file, Path target) {
        try {
            String sha256 = DataDownload.sha256(target);
            if (!sha256.equals(file.sha256())) {
                throw new DataUnavailableException("cached data file " + target + " has SHA-256 " + sha256 + ", expected "
                        + file.sha256() + " (the bytes of " + file.source() + "); delete it to download it again",
                        new IOException("checksum mismatch"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private UncheckedIOException notFound(String path) {
        List<String> places = new ArrayList<>();
        if (explicitDir != null) places.add(explicitOrigin + " " + explicitDir);
        places.add(sharedData().map(Path::toString).orElse("shared/data above " + start));
        places.add(cacheDir.toString());
        return new UncheckedIOException(new NoSuchFileException(path, null,
                "not in " + String.join(", ", places) + ", and not a data set file rlhf4j can download"));
    }

    /** Rejects absolute paths, backslashes and {@code ..}: a data path names a place under the data folder. */
    static void checkRelative(String path) {
        if (path == null || path.isEmpty() || path.startsWith("/") || path.contains("\\")
                || List.of(path.split("/")).contains("..")) {
            throw new IllegalArgumentException("data path '" + path + "' must be relative to the data folder, without ..");
        }
    }
}
