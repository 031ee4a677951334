package rlhf4j.transformer.run;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import rlhf4j.transformer.io.FileFormatException;

/**
 * {@code manifest.json} of a checkpoint directory: the step it was taken at, a few facts (e.g. the validation loss)
 * and every file beside it with its size and SHA-256. A checkpoint is valid when each listed file is there with that
 * size and digest; it is written last, so a directory without one was never finished.
 *
 * @param step  the training step (or PPO iteration) of the checkpoint; −1 when unknown
 * @param info  free-form facts, e.g. {@code val_loss} or {@code score}, used to pick the best checkpoint
 * @param files the files, by path relative to the directory ('/'-separated), sorted
 */
public record Manifest(int step, Map<String, String> info, List<Entry> files) {
    public static final String FILE = "manifest.json";
    static final String FORMAT = "rlhf4j-checkpoint/1";

    /** One file: its relative path, size in bytes and SHA-256 in hex. */
    public record Entry(String name, long bytes, String sha256) {}

    public Manifest {
        info = Map.copyOf(info);
        files = List.copyOf(files);
    }

    /** Measures every file under dir (the manifest itself excluded). */
    public static Manifest of(Path dir, int step, Map<String, String> info) throws IOException {
        List<Entry> files = new ArrayList<>();
        for (Path f : listFiles(dir)) files.add(new Entry(relative(dir, f), Files.size(f), sha256(f)));
        return new Manifest(step, info, files);
    }

    /** Total bytes of the files listed. */
    public long totalBytes() { return files.stream().mapToLong(Entry::bytes).sum(); }

    /** Writes dir/manifest.json (atomically, forced to disk). */
    public void write(Path dir) throws IOException { AtomicFiles.writeString(dir.resolve(FILE), toJson()); }

    public String toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("format", FORMAT);
        o.addProperty("step", step);
        JsonObject i = new JsonObject();
        new TreeMap<>(info).forEach(i::addProperty);
        o.add("info", i);
        JsonArray a = new JsonArray();
        for (Entry e : files) {
            JsonObject f = new JsonObject();
            f.addProperty("name", e.name());
            f.addProperty("bytes", e.bytes());
            f.addProperty("sha256", e.sha256());
            a.add(f);
        }
        o.add("files", a);
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(o) + "\n";
    }

    /** Reads dir/manifest.json; a missing file is {@link NoSuchFileException}, a malformed one names the field. */
    public static Manifest read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "no manifest");
        try {
            JsonObject o = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
            if (!FORMAT.equals(o.get("format").getAsString()))
                throw new IllegalArgumentException("format " + o.get("format") + ", expected " + FORMAT);
            Map<String, String> info = new LinkedHashMap<>();
            for (var e : o.getAsJsonObject("info").entrySet()) info.put(e.getKey(), e.getValue().getAsString());
            List<Entry> files = new ArrayList<>();
            for (var e : o.getAsJsonArray("files")) {
                JsonObject f = e.getAsJsonObject();
                files.add(new Entry(f.get("name").getAsString(), f.get("bytes").getAsLong(), f.get("sha256").getAsString()));
            }
            return new Manifest(o.get("step").getAsInt(), info, files);
        } catch (RuntimeException e) {
            throw new FileFormatException(file, "not a checkpoint manifest: " + e.getMessage(), e);
        }
    }

    /**
     * Why dir is not a complete checkpoint: no or a bad manifest, a missing file, a wrong size or digest; null when
     * every listed file matches.
     */
    public static String problem(Path dir) {
        Manifest m;
        try {
            m = read(dir);
        } catch (NoSuchFileException e) {
            return "no " + FILE + " (the save did not finish)";
        } catch (IOException e) {
            return e.getMessage();
        }
        for (Entry e : m.files) {
            Path f = dir.resolve(e.name());
            try {
                if (!Files.isRegularFile(f)) return e.name() + " is missing";
                long size = Files.size(f);
                if (size != e.bytes()) return e.name() + " has " + size + " bytes, the manifest says " + e.bytes();
                if (!sha256(f).equals(e.sha256())) return e.name() + " does not match its SHA-256 in the manifest";
            } catch (IOException ex) {
                return e.name() + " cannot be read: " + ex.getMessage();
            }
        }
        return null;
    }

    /** Like {@link #problem} but compares sizes only (no digests): cheap enough for every save. */
    public static String quickProblem(Path dir) {
        Manifest m;
        try {
            m = read(dir);
        } catch (IOException e) {
            return e.getMessage();
        }
        for (Entry e : m.files) {
            Path f = dir.resolve(e.name());
            try {
                if (!Files.isRegularFile(f) || Files.size(f) != e.bytes()) return e.name() + " is missing or has the wrong size";
            } catch (IOException ex) {
                return e.name() + " cannot be read: " + ex.getMessage();
            }
        }
        return null;
    }

    /** The regular files under dir, manifest excluded, in name order. */
    static List<Path> listFiles(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).filter(p -> !p.equals(dir.resolve(FILE)))
                    .sorted((a, b) -> relative(dir, a).compareTo(relative(dir, b))).toList();
        }
    }

    private static String relative(Path dir, Path f) { return dir.relativize(f).toString().replace('\\', '/'); }

    /** SHA-256 of a file's bytes, lower-case hex. */
    public static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
