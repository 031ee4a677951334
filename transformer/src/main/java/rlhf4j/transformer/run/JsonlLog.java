package rlhf4j.transformer.run;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import rlhf4j.transformer.io.FileFormatException;

/**
 * An append-only JSON Lines file of a run (one object a line). A crash or a full disk can leave the last line torn:
 * it is detected (no final newline, or not JSON), reported to {@code warn} and dropped, both when reading and before
 * the next append, so a torn line never ends up in the middle of the file. A bad line anywhere else is an error
 * naming the file and line.
 */
public final class JsonlLog {
    private final Path file;
    private final Consumer<String> warn;
    private boolean tailChecked, tornReported;

    /** @param warn where a dropped torn line is reported (e.g. stderr) */
    public JsonlLog(Path file, Consumer<String> warn) {
        this.file = file;
        this.warn = warn;
    }

    public Path file() { return file; }

    /** Appends one line (a JSON object without line breaks); a full disk is a {@link RunDirectoryException}. */
    public void append(String json) {
        try {
            if (!tailChecked) {
                dropTornTail();
                tailChecked = true;
            }
            Files.writeString(file, json + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(DiskSpace.explain(e, file.toAbsolutePath().getParent(), json.length() + 1));
        }
    }

    /** The complete lines as JSON objects; a torn last line is reported and left out. */
    public List<JsonObject> read() { return lines().stream().map(Line::json).toList(); }

    /** A complete line: its text as written and its object. */
    private record Line(String text, JsonObject json) {}

    private List<Line> lines() {
        if (!Files.exists(file)) return List.of();
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            List<Line> out = new ArrayList<>();
            String[] lines = text.split("\n", -1);          // the last element is what follows the last newline
            int last = lines.length - 1;
            for (int i = 0; i <= last; i++) {
                String line = lines[i];
                if (line.isBlank()) continue;
                JsonObject o = parse(line);
                boolean tail = i == last || (i == last - 1 && lines[last].isEmpty());
                if (o == null || i == last) {
                    if (!tail) throw new FileFormatException(file, "line " + (i + 1) + " is not a JSON object: " + abbreviate(line));
                    reportTorn(line.length());
                    continue;
                }
                out.add(new Line(line, o));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Keeps only the lines whose {@code field} is below {@code before}, in every log, rewriting each atomically. All
     * logs are read (and checked) before any is rewritten, so a bad file changes none of them.
     */
    public static void truncate(List<JsonlLog> logs, String field, int before) throws IOException {
        List<String> kept = new ArrayList<>();
        for (JsonlLog log : logs) {
            StringBuilder sb = new StringBuilder();
            for (Line line : log.lines()) {
                JsonElement v = line.json().get(field);
                if (v != null && v.isJsonPrimitive() && v.getAsDouble() < before) sb.append(line.text()).append('\n');
            }
            kept.add(sb.toString());
        }
        for (int i = 0; i < logs.size(); i++) {
            JsonlLog log = logs.get(i);
            if (Files.exists(log.file) || !kept.get(i).isEmpty()) AtomicFiles.writeString(log.file, kept.get(i));
            log.tailChecked = true;
        }
    }

    /** Cuts a torn last line (no newline, or not JSON) off the file before appending to it. */
    private void dropTornTail() throws IOException {
        if (!Files.exists(file)) return;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            if (size == 0) return;
            byte[] all = new byte[(int) Math.min(size, Integer.MAX_VALUE)];
            ch.read(ByteBuffer.wrap(all), 0);
            int end = all.length;
            if (all[end - 1] == '\n') {                                     // the last line is whole: is it JSON?
                int start = lastIndexOf(all, end - 2) + 1;
                if (parse(new String(all, start, end - 1 - start, StandardCharsets.UTF_8)) != null || start == end - 1) return;
                end = start;
            } else {
                end = lastIndexOf(all, end - 1) + 1;
            }
            reportTorn(all.length - end);
            ch.truncate(end);
            ch.force(true);
        }
    }

    private static int lastIndexOf(byte[] b, int from) {
        for (int i = from; i >= 0; i--) if (b[i] == '\n') return i;
        return -1;
    }

    private void reportTorn(long bytes) {
        if (tornReported) return;
        tornReported = true;
        warn.accept(file + ": dropped a torn last line (" + bytes + " bytes; the run was interrupted while writing it)");
    }

    private static JsonObject parse(String line) {
        try {
            JsonElement e = JsonParser.parseString(line);
            return e.isJsonObject() ? e.getAsJsonObject() : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String abbreviate(String s) { return s.length() > 80 ? s.substring(0, 80) + "…" : s; }
}
