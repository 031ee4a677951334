package rlhf4j.transformer.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import rlhf4j.transformer.train.ProgressBar;

/**
 * Downloads one data set file into the cache: the bytes go to a temporary file beside the target while their SHA-256
 * is computed, and only a file matching the pin is moved (atomically) to the target; anything else is deleted.
 */
final class DataDownload {
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(20)).build();
    private static final long PROGRESS_ABOVE = 256 * 1024;  // smaller files arrive before a bar would help

    private DataDownload() {}

    /** Fetches {@code file} from {@code uri} to {@code target}; throws {@link DataUnavailableException} on any failure. */
    static void fetch(DataFile file, URI uri, Path target, PrintStream log) {
        Path tmp = null;
        try {
            Files.createDirectories(target.getParent());
            tmp = Files.createTempFile(target.getParent(), "." + file.name() + ".", ".part");
            log.println("rlhf4j: downloading " + file.path() + " (" + kib(file.size()) + ") from " + uri);
            HttpResponse<InputStream> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5)).GET()
                    .build(), HttpResponse.BodyHandlers.ofInputStream());
            String sha256;
            try (InputStream in = response.body()) {
                if (response.statusCode() != 200) throw failure(file, uri, target, "HTTP " + response.statusCode(), null);
                sha256 = copy(in, tmp, file, log);
            }
            if (!sha256.equals(file.sha256())) {
                throw failure(file, uri, target, "the download's SHA-256 is " + sha256 + ", expected " + file.sha256(), null);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw failure(file, uri, target, describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure(file, uri, target, "interrupted", new IOException(e));
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a leftover .part file is harmless: it is never read
                }
            }
        }
    }

    /** The exception for a failed download: one line with the URL, the reason and where to put the file by hand. */
    static DataUnavailableException failure(DataFile file, URI uri, Path target, String reason, IOException cause) {
        return new DataUnavailableException("cannot download data file " + file.path() + " from " + uri + ": " + reason
                + "; download it by hand to " + target + " (or point --data-dir or RLHF4J_DATA at a folder holding "
                + file.path() + ")", cause != null ? cause : new IOException(reason));
    }

    /** Copies the body to {@code tmp}, returning the SHA-256 of the bytes; the progress bar (in KiB) for large files. */
    private static String copy(InputStream in, Path tmp, DataFile file, PrintStream log) throws IOException {
        MessageDigest sha = sha256();
        ProgressBar bar = ProgressBar.on(file.size() >= PROGRESS_ABOVE ? log : null, "download", (int) (file.size() / 1024));
        long done = 0;
        byte[] buf = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(tmp)) {
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
                sha.update(buf, 0, n);
                done += n;
                bar.update((int) (done / 1024), kib(done) + " of " + kib(file.size()));
            }
        }
        bar.finish();
        return HexFormat.of().formatHex(sha.digest());
    }

    /** The SHA-256 of a file's bytes, as lowercase hex. */
    static String sha256(Path file) throws IOException {
        MessageDigest sha = sha256();
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) >= 0; ) sha.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** An IOException as a short phrase: its type, and its message when there is one (HttpClient's are often null). */
    private static String describe(IOException e) {
        String message = e.getMessage();
        if (message != null && !message.isBlank()) return e.getClass().getSimpleName() + " " + message;
        return e instanceof java.net.ConnectException ? "no connection (is this machine offline?)" : e.getClass().getSimpleName();
    }

    private static String kib(long bytes) {
        return bytes >= 1 << 20 ? String.format(Locale.ROOT, "%.1f MB", bytes / 1048576.0)
                : String.format(Locale.ROOT, "%.0f kB", bytes / 1024.0);
    }
}
