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
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import rlhf4j.tensor.io.Quote;
import rlhf4j.tensor.io.Utf8Text;

/**
 * Reading JSONL files: one JSON object a line, strict UTF-8, optionally gzip-compressed ({@code .gz}). Blank lines are
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

    /**
     * As {@link #forEach}, passing each record's line number along. Lines are decoded as strict UTF-8: a line that
     * is not UTF-8 is a malformed line like any other (an error naming the file and line, or skipped when lenient),
     * never a name with U+FFFD in it.
     */
    public static <T> void forEachNumbered(Path file, JsonlCodec<T> codec, LineSink<? super T> sink,
                                           Consumer<FeedbackFormatException> onError) throws IOException {
        try (Utf8Text.LineReader in = new Utf8Text.LineReader(openBytes(file))) {
            while (true) {
                String line;
                T record;
                try {
                    line = nextLine(file, in);
                    if (line == null) break;
                    if (line.isBlank()) continue;
                    record = codec.fromJson(parseObject(line));
                } catch (IllegalArgumentException | IllegalStateException | NullPointerException e) {
                    var error = new FeedbackFormatException(file, in.lineNumber(), e.getMessage());   // codecs cap what they quote
                    if (onError == null) throw error;
                    onError.accept(error);
                    continue;
                }
                sink.accept(in.lineNumber(), record);
            }
        }
    }

    /** The next line; bytes that are not UTF-8 become an IllegalArgumentException saying where in the line. */
    private static String nextLine(Path file, Utf8Text.LineReader in) throws IOException {
        try {
            return in.readLine();
        } catch (Utf8Text.MalformedException e) {
            throw new IllegalArgumentException(e.problem());
        } catch (java.util.zip.ZipException | java.io.EOFException e) {   // a corrupt or cut .gz
            throw new FeedbackFormatException(file, in.lineNumber() + 1, "not a valid gzip stream: " + e.getMessage());
        }
    }

    /** The file's bytes, decompressed when it is a {@code .gz} file. */
    private static InputStream openBytes(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        if (!file.getFileName().toString().endsWith(".gz")) return in;
        try {
            return new GZIPInputStream(in, 1 << 16);
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            in.close();
            throw new FeedbackFormatException(file, 1, "not a valid gzip stream: " + e.getMessage());
        }
    }

    /**
     * A reader of {@code file}'s text, decompressing {@code .gz} files. Decoding is strict: bytes that are not UTF-8
     * throw a {@link FeedbackFormatException} naming the file and line. Line ends read as '\n'.
     */
    public static BufferedReader open(Path file) throws IOException {
        return new BufferedReader(new StrictReader(file, new Utf8Text.LineReader(openBytes(file))), 1 << 16);
    }

    /** Characters served line by line from a {@link Utf8Text.LineReader}, so that a decoding error knows its line. */
    private static final class StrictReader extends Reader {
        private final Path file;
        private final Utf8Text.LineReader lines;
        private String current = "";
        private int position;

        StrictReader(Path file, Utf8Text.LineReader lines) {
            this.file = file;
            this.lines = lines;
        }

        @Override public int read(char[] buffer, int offset, int length) throws IOException {
            if (length == 0) return 0;
            if (position == current.length()) {
                String line;
                try {
                    line = lines.readLine();
                } catch (Utf8Text.MalformedException e) {
                    throw new FeedbackFormatException(file, e.line(), e.problem());
                }
                if (line == null) return -1;
                current = line + "\n";
                position = 0;
            }
            int n = Math.min(length, current.length() - position);
            current.getChars(position, position + n, buffer, offset);
            position += n;
            return n;
        }

        @Override public void close() throws IOException { lines.close(); }
    }

    /** One line parsed strictly as a JSON object (no comments, no single quotes, nothing after the object). */
    static JsonObject parseObject(String line) {
        JsonElement element;
        try (JsonReader reader = new JsonReader(new StringReader(line))) {
            reader.setStrictness(Strictness.STRICT);
            element = ELEMENT.read(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) throw new IOException("text after the JSON value");
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw new IllegalArgumentException("not valid JSON: " + Quote.cap(e.getMessage()));
        }
        if (!element.isJsonObject()) throw new IllegalArgumentException("expected a JSON object, got " + Quote.cap(element));
        return element.getAsJsonObject();
    }
}
