package rlhf4j.rlhf.feedback;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * Reading JSONL files: one JSON object a line, UTF-8, optionally gzip-compressed ({@code .gz}). Blank lines are
 * allowed and ignored. By default the first bad line stops the read with a {@link FeedbackFormatException} that
 * names the file and line; {@link #readLenient} instead skips bad lines and returns their errors.
 */
public final class Jsonl {
    private Jsonl() {}

    /** Compact one-line output; no HTML escaping, so that {@code <} and {@code '} stay readable. */
    static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
    private static final TypeAdapter<JsonElement> ELEMENT = GSON.getAdapter(JsonElement.class);

    /** The records of a file read leniently, and the bad lines it skipped. */
    public record Result<T>(List<T> records, List<FeedbackFormatException> errors) {
        public Result {
            records = List.copyOf(records);
            errors = List.copyOf(errors);
        }
    }

    /** Every record of {@code file}; the first malformed line throws. */
    public static <T> List<T> read(Path file, JsonlCodec<T> codec) throws IOException {
        List<T> records = new ArrayList<>();
        forEach(file, codec, records::add, null);
        return records;
    }

    /** Every well-formed record of {@code file}; malformed lines are skipped and reported in the result. */
    public static <T> Result<T> readLenient(Path file, JsonlCodec<T> codec) throws IOException {
        List<T> records = new ArrayList<>();
        List<FeedbackFormatException> errors = new ArrayList<>();
        forEach(file, codec, records::add, errors::add);
        return new Result<>(records, errors);
    }

    /**
     * Streams the records of {@code file} to {@code sink}. With {@code onError == null} the first malformed line
     * throws; otherwise each malformed line's error goes to {@code onError} and reading goes on.
     */
    public static <T> void forEach(Path file, JsonlCodec<T> codec, Consumer<? super T> sink,
                                   Consumer<FeedbackFormatException> onError) throws IOException {
        forEachNumbered(file, codec, (line, record) -> sink.accept(record), onError);
    }

    /** A record and the 1-based line it came from. */
    @FunctionalInterface
    public interface LineSink<T> {
        void accept(long line, T record);
    }

    /** As {@link #forEach}, passing each record's line number along. */
    public static <T> void forEachNumbered(Path file, JsonlCodec<T> codec, LineSink<? super T> sink,
                                           Consumer<FeedbackFormatException> onError) throws IOException {
        try (BufferedReader in = open(file)) {
            long lineNumber = 0;
            for (String line; (line = in.readLine()) != null; ) {
                lineNumber++;
                if (line.isBlank()) continue;
                T record;
                try {
                    record = codec.fromJson(parseObject(line));
                } catch (IllegalArgumentException | IllegalStateException | NullPointerException e) {
                    var error = new FeedbackFormatException(file, lineNumber, e.getMessage());
                    if (onError == null) throw error;
                    onError.accept(error);
                    continue;
                }
                sink.accept(lineNumber, record);
            }
        }
    }

    /** A reader of {@code file}'s text, decompressing {@code .gz} files. */
    public static BufferedReader open(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        if (file.getFileName().toString().endsWith(".gz")) in = new GZIPInputStream(in, 1 << 16);
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
    }

    /** One line parsed strictly as a JSON object (no comments, no single quotes, nothing after the object). */
    static JsonObject parseObject(String line) {
        JsonElement element;
        try (JsonReader reader = new JsonReader(new StringReader(line))) {
            reader.setStrictness(Strictness.STRICT);
            element = ELEMENT.read(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) throw new IOException("text after the JSON value");
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getMessage());
        }
        if (!element.isJsonObject()) throw new IllegalArgumentException("expected a JSON object, got " + element);
        return element.getAsJsonObject();
    }
}
