package rlhf4j.transformer.data;

import java.net.URI;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One file of a public data set the project reads: where it lives under the data folder, where it is published, and
 * the SHA-256 of the exact bytes the project was written and tested against.
 *
 * @param path   the path under the data folder, with forward slashes, e.g. {@code lexicons/vader_lexicon.txt}
 * @param source the file's canonical public address (a commit-pinned raw GitHub URL)
 * @param sha256 the SHA-256 of its bytes, 64 lowercase hex digits
 * @param size   its length in bytes (for progress and a quick check of a cached copy)
 */
public record DataFile(String path, URI source, String sha256, long size) {
    public DataFile {
        Objects.requireNonNull(source, "source");
        DataLocator.checkRelative(path);
        if (sha256.length() != 64 || !sha256.equals(sha256.toLowerCase(java.util.Locale.ROOT))) {
            throw new IllegalArgumentException(path + ": SHA-256 must be 64 lowercase hex digits, got " + sha256);
        }
        HexFormat.of().parseHex(sha256);
        if (size < 0) throw new IllegalArgumentException(path + ": negative size " + size);
    }

    /** The file's name, the last part of its path. */
    public String name() {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
