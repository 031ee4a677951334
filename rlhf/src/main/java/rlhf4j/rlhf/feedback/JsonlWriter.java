package rlhf4j.rlhf.feedback;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends records to a JSONL file, one line each, and flushes after every record: a labeling session that is killed
 * loses at most the answer being typed.
 */
public final class JsonlWriter<T> implements Closeable {
    private final Path file;
    private final JsonlCodec<T> codec;
    private final BufferedWriter out;

    private JsonlWriter(Path file, JsonlCodec<T> codec, StandardOpenOption... mode) throws IOException {
        this.file = file;
        this.codec = codec;
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, mode);
    }

    /** A writer appending to {@code file} (created if missing). */
    public static <T> JsonlWriter<T> append(Path file, JsonlCodec<T> codec) throws IOException {
        return new JsonlWriter<>(file, codec, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    /** A writer of a new {@code file}; a file already there is an error (FileAlreadyExistsException), never appended to. */
    public static <T> JsonlWriter<T> create(Path file, JsonlCodec<T> codec) throws IOException {
        return new JsonlWriter<>(file, codec, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    /** Writes every record to a new {@code file} (see {@link #create}) and closes it. */
    public static <T> void writeAll(Path file, JsonlCodec<T> codec, Iterable<? extends T> records) throws IOException {
        try (JsonlWriter<T> writer = create(file, codec)) {
            for (T record : records) writer.write(record);
        }
    }

    /** Writes every record to {@code file} (appending) and closes it. */
    public static <T> void appendAll(Path file, JsonlCodec<T> codec, Iterable<? extends T> records) throws IOException {
        try (JsonlWriter<T> writer = append(file, codec)) {
            for (T record : records) writer.write(record);
        }
    }

    /** Appends one record as one line and flushes it to the file. */
    public void write(T record) throws IOException {
        out.write(Jsonl.GSON.toJson(codec.toJson(record)));
        out.newLine();
        out.flush();
    }

    public Path file() { return file; }

    @Override public void close() throws IOException { out.close(); }
}
