package rlhf4j.transformer.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The project's data sets, found by {@link DataLocator#fromEnvironment()}: an explicit folder ({@code --data-dir},
 * {@code -Drlhf4j.data}, {@code RLHF4J_DATA}), else {@code shared/data} above the working directory, else the user
 * cache, filled from each file's public source on first use (see {@link DataCatalog} for the sources and pins).
 */
public final class DataSets {
    private static volatile Path dataDir;

    private DataSets() {}

    /** A data file, e.g. {@code file("lexicons/vader_lexicon.txt")}. */
    public static Path file(String path) { return DataLocator.fromEnvironment().file(path); }

    /** A data folder with all its catalogued files, e.g. {@code folder("tweeteval-hate")}. */
    public static Path folder(String path) { return DataLocator.fromEnvironment().folder(path); }

    /** A data file or folder (for paths written by users, e.g. a config's {@code shared:REL}). */
    public static Path path(String path) { return DataLocator.fromEnvironment().path(path); }

    /** Every catalogued file with its source and SHA-256 pin. */
    public static List<DataFile> catalog() { return DataCatalog.FILES; }

    /**
     * Sets the explicit data folder of this process (the CLI's {@code --data-dir}); it beats {@code -Drlhf4j.data} and
     * {@code RLHF4J_DATA}. Null clears it.
     *
     * @throws IllegalArgumentException when {@code dir} is not a folder
     */
    public static void useDataDir(Path dir) {
        if (dir != null && !Files.isDirectory(dir)) throw new IllegalArgumentException("--data-dir " + dir + ": no such folder");
        dataDir = dir == null ? null : dir.toAbsolutePath();
    }

    /** The folder set by {@link #useDataDir}, or null. */
    public static Path dataDir() { return dataDir; }
}
