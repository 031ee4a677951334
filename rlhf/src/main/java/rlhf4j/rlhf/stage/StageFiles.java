package rlhf4j.rlhf.stage;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import rlhf4j.transformer.run.AtomicFiles;

/** JSON files the stages write and read: pretty-printed, NaN allowed, written atomically. */
public final class StageFiles {
    static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

    private StageFiles() {}

    /** Writes {@code value} as JSON (and a newline) through a temporary file, so a reader never sees half of it. */
    public static void writeJson(Path file, Object value) throws IOException {
        AtomicFiles.writeString(file, GSON.toJson(value) + "\n");
    }

    /** A JSON file as {@code type}; a missing or malformed file is an error naming it. */
    public static <T> T readJson(Path file, Class<T> type) throws IOException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "no such file");
        try {
            T value = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), type);
            if (value == null) throw new IOException(file + ": empty");
            return value;
        } catch (JsonParseException e) {
            throw new IOException(file + ": not valid JSON for " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /** Nested objects as "a.b.c" → value text rows (a report's configuration table). */
    public static void flatten(String prefix, JsonObject o, Map<String, Object> out) {
        for (var e : o.entrySet()) {
            if (e.getValue().isJsonObject()) flatten(prefix + e.getKey() + ".", e.getValue().getAsJsonObject(), out);
            else out.put(prefix + e.getKey(), e.getValue().toString());
        }
    }
}
