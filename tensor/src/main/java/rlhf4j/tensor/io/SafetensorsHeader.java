package rlhf4j.tensor.io;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.EOFException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The header of a safetensors file, parsed and checked against the file's size before any tensor byte is read.
 *
 * <pre>
 *   bytes [0, 8)         N, a little-endian unsigned 64-bit integer: the length of the JSON header
 *   bytes [8, 8+N)       UTF-8 JSON, possibly padded with trailing spaces:
 *                          {"__metadata__": {"format": "pt"},                          (optional, string values)
 *                           "wte": {"dtype": "F32", "shape": [50257, 768], "data_offsets": [0, 154389504]}, ...}
 *   bytes [8+N, size)    the data buffer; tensor t's bytes, row-major little-endian, are [begin, end) of it
 * </pre>
 *
 * As in the reference Rust implementation, the tensors must tile the data buffer exactly: sorted by offset, the
 * first begins at 0, each begins where the previous one ended, the last ends at the end of the file. A gap, an
 * overlap or trailing bytes is an error, as is a byte count that does not match shape × dtype size.
 *
 * @param tensors    the tensors in the order of their bytes in the file
 * @param metadata   the "__metadata__" map (empty when absent)
 * @param dataStart  file position of the data buffer, 8 + N
 * @param dataLength length of the data buffer in bytes
 */
public record SafetensorsHeader(List<Entry> tensors, Map<String, String> metadata, long dataStart, long dataLength) {

    /** Headers longer than this are rejected before being read (the limit of the Rust implementation). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** The reserved header key of the free-form string metadata. */
    public static final String METADATA_KEY = "__metadata__";

    /** One tensor's header entry: its bytes are [begin, end) of the data buffer. */
    public record Entry(String name, SafetensorsDType dtype, int[] shape, long begin, long end) {
        public Entry {
            shape = shape.clone();
        }

        @Override public int[] shape() { return shape.clone(); }

        public long numel() {
            long n = 1;
            for (int d : shape) n *= d;
            return n;
        }

        /** Bytes the entry occupies in the data buffer. */
        public long byteLength() { return end - begin; }

        @Override public String toString() {
            return name + " " + dtype + " " + Arrays.toString(shape) + " [" + begin + ", " + end + ")";
        }
    }

    public SafetensorsHeader {
        tensors = List.copyOf(tensors);
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** Reads and checks the header of a file without reading its tensors. */
    public static SafetensorsHeader read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(file, channel);
        }
    }

    static SafetensorsHeader read(Path file, FileChannel channel) throws IOException {
        long size = channel.size();
        if (size < 8)
            throw bad(file, "file is " + size + " bytes long, shorter than the 8-byte header length that starts it");
        ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, channel, prefix, 0);
        long n = prefix.getLong(0);   // unsigned in the file: a negative long is a length of 2^63 or more
        if (n < 0 || n > MAX_HEADER_BYTES)
            throw bad(file, "header length " + Long.toUnsignedString(n) + " is over the limit of " + MAX_HEADER_BYTES
                    + " bytes");
        if (8 + n > size)
            throw bad(file, "header length " + n + " runs past the end of the file (" + size
                    + " bytes): the file is truncated or not a safetensors file");
        ByteBuffer headerBytes = ByteBuffer.allocate((int) n);
        readFully(file, channel, headerBytes, 8);
        headerBytes.flip();
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(headerBytes).toString();
        } catch (CharacterCodingException e) {
            throw bad(file, "header is not valid UTF-8 (" + e + ")");
        }
        HeaderParser parsed = new HeaderParser(file, json);
        parsed.parse();
        long dataStart = 8 + n, dataLength = size - dataStart;
        List<Entry> inFileOrder = checkLayout(file, parsed.entries, dataLength);
        return new SafetensorsHeader(inFileOrder, parsed.metadata, dataStart, dataLength);
    }

    /** Sorts the entries by offset and checks that they tile [0, dataLength) exactly. */
    private static List<Entry> checkLayout(Path file, List<Entry> entries, long dataLength)
            throws SafetensorsFormatException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long nextBegin = 0;          // where the next tensor must begin: the end of the previous one
        String previous = null;
        for (Entry e : sorted) {
            String what = "tensor '" + Quote.cap(e.name()) + "' with data_offsets [" + e.begin() + ", " + e.end() + "]";
            if (e.end() < e.begin())
                throw bad(file, what + ": the end offset is before the begin offset");
            if (e.end() > dataLength)
                throw bad(file, what + " ends past the end of the data buffer (" + dataLength
                        + " bytes): the file is truncated or the offsets are wrong");
            long needed = e.numel() * e.dtype().byteSize();   // overflow was ruled out while parsing
            if (e.byteLength() != needed)
                throw bad(file, what + ": shape " + Quote.cap(Arrays.toString(e.shape())) + " of " + e.dtype() + " needs "
                        + needed + " bytes but the offsets span " + e.byteLength());
            if (e.begin() < nextBegin)
                throw bad(file, what + " overlaps " + previous + ", which ends at byte " + nextBegin);
            if (e.begin() > nextBegin)
                throw bad(file, what + " leaves a gap: bytes [" + nextBegin + ", " + e.begin()
                        + ") of the data buffer belong to no tensor");
            nextBegin = e.end();
            previous = what;
        }
        if (nextBegin != dataLength)
            throw bad(file, "the data buffer is " + dataLength + " bytes but its tensors end at byte " + nextBegin
                    + ": " + (dataLength - nextBegin) + " trailing bytes belong to no tensor");
        return sorted;
    }

    private static void readFully(Path file, FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position + buffer.position());
            if (read < 0) throw bad(file, "file ended while reading the header (was it truncated while being read?)");
        }
    }

    static SafetensorsFormatException bad(Path file, String problem) {
        return new SafetensorsFormatException(file, problem);
    }

    /**
     * A strict walk over the header JSON with Gson's streaming reader: every value is checked for its expected
     * type, so a malformed header gives a message saying which tensor and which field is wrong.
     */
    private static final class HeaderParser {
        private final Path file;
        private final JsonReader in;
        final List<Entry> entries = new ArrayList<>();
        final Map<String, String> metadata = new LinkedHashMap<>();

        HeaderParser(Path file, String json) {
            this.file = file;
            this.in = new JsonReader(new StringReader(json));
            this.in.setStrictness(Strictness.STRICT);
        }

        void parse() throws SafetensorsFormatException {
            try {
                expect(JsonToken.BEGIN_OBJECT, "the header");
                in.beginObject();
                Set<String> names = new HashSet<>();
                while (in.hasNext()) {
                    String name = in.nextName();
                    if (!names.add(name)) throw bad(file, "header has the key '" + Quote.cap(name) + "' twice");
                    if (name.equals(METADATA_KEY)) readMetadata();
                    else entries.add(readEntry(name));
                }
                in.endObject();
                if (in.peek() != JsonToken.END_DOCUMENT) throw bad(file, "header has more text after its JSON object");
            } catch (SafetensorsFormatException e) {
                throw e;
            } catch (EOFException e) {
                throw bad(file, "header is not valid JSON: it ends early (" + Quote.cap(e.getMessage()) + ")");
            } catch (IOException | IllegalStateException e) {
                throw bad(file, "header is not valid JSON: " + Quote.cap(withoutGsonAdvice(String.valueOf(e.getMessage()))));
            }
        }

        /** Gson's messages suggest lenient parsing and link its FAQ; only the position is useful here. */
        private static String withoutGsonAdvice(String message) {
            return message.replaceFirst("Use JsonReader\\.set\\w+\\([^)]*\\) to accept malformed JSON ", "malformed JSON ")
                    .replaceAll("\\s*See https://\\S+", "");
        }

        private void readMetadata() throws IOException {
            if (in.peek() == JsonToken.NULL) { in.nextNull(); return; }
            expect(JsonToken.BEGIN_OBJECT, "\"" + METADATA_KEY + "\"");
            in.beginObject();
            while (in.hasNext()) {
                String key = in.nextName();
                expect(JsonToken.STRING, "metadata value of '" + Quote.cap(key) + "'");
                if (metadata.put(key, in.nextString()) != null)
                    throw bad(file, "metadata has the key '" + Quote.cap(key) + "' twice");
            }
            in.endObject();
        }

        private Entry readEntry(String name) throws IOException {
            String tensor = "tensor '" + Quote.cap(name) + "'";
            expect(JsonToken.BEGIN_OBJECT, "the entry of " + tensor);
            in.beginObject();
            String dtype = null;
            long[] shape = null, offsets = null;
            while (in.hasNext()) {
                String key = in.nextName();
                switch (key) {
                    case "dtype" -> {
                        if (dtype != null) throw bad(file, tensor + " has two dtype fields");
                        expect(JsonToken.STRING, "dtype of " + tensor);
                        dtype = in.nextString();
                    }
                    case "shape" -> {
                        if (shape != null) throw bad(file, tensor + " has two shape fields");
                        shape = integers("shape of " + tensor);
                    }
                    case "data_offsets" -> {
                        if (offsets != null) throw bad(file, tensor + " has two data_offsets fields");
                        offsets = integers("data_offsets of " + tensor);
                    }
                    default -> in.skipValue();   // unknown fields are ignored, as in the Rust implementation
                }
            }
            in.endObject();
            if (dtype == null) throw bad(file, tensor + " has no dtype");
            if (shape == null) throw bad(file, tensor + " has no shape");
            if (offsets == null) throw bad(file, tensor + " has no data_offsets");

            SafetensorsDType type = SafetensorsDType.parse(dtype);
            if (type == null)
                throw bad(file, tensor + " has unknown dtype '" + Quote.cap(dtype) + "' (readable: "
                        + Arrays.toString(SafetensorsDType.values()) + ")");
            int[] dims = new int[shape.length];
            long bytes = type.byteSize();
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] < 0)
                    throw bad(file, tensor + " has a negative dim " + shape[i] + " in shape " + Quote.cap(Arrays.toString(shape)));
                if (shape[i] > Integer.MAX_VALUE)
                    throw bad(file, tensor + " has dim " + shape[i] + " in shape " + Quote.cap(Arrays.toString(shape))
                            + ", more than a tensor dim can hold (" + Integer.MAX_VALUE + ")");
                dims[i] = (int) shape[i];
                try {
                    bytes = Math.multiplyExact(bytes, shape[i]);
                } catch (ArithmeticException e) {
                    throw bad(file, tensor + " has shape " + Quote.cap(Arrays.toString(shape)) + " whose byte size overflows");
                }
            }
            if (offsets.length != 2)
                throw bad(file, tensor + " has " + offsets.length + " data_offsets, expected [begin, end]");
            if (offsets[0] < 0 || offsets[1] < 0)
                throw bad(file, tensor + " has negative data_offsets " + Quote.cap(Arrays.toString(offsets)));
            return new Entry(name, type, dims, offsets[0], offsets[1]);
        }

        /** A JSON array of integers, e.g. a shape or a pair of offsets. */
        private long[] integers(String what) throws IOException {
            expect(JsonToken.BEGIN_ARRAY, what);
            in.beginArray();
            List<Long> values = new ArrayList<>();
            while (in.hasNext()) {
                expect(JsonToken.NUMBER, "an element of the " + what);
                String text = in.nextString();   // the literal, so that 2.5 or 1e3 is reported rather than rounded
                try {
                    values.add(Long.parseLong(text));
                } catch (NumberFormatException e) {
                    throw bad(file, "the " + what + " holds " + Quote.cap(text) + ", which is not an integer");
                }
            }
            in.endArray();
            long[] out = new long[values.size()];
            for (int i = 0; i < out.length; i++) out[i] = values.get(i);
            return out;
        }

        private void expect(JsonToken token, String what) throws IOException {
            JsonToken found = in.peek();
            if (found != token)
                throw bad(file, what + " should be " + describe(token) + " but is " + describe(found)
                        + " (at JSON path " + Quote.cap(in.getPath()) + ")");
        }

        private static String describe(JsonToken token) {
            return switch (token) {
                case BEGIN_OBJECT -> "an object";
                case BEGIN_ARRAY -> "an array";
                case STRING -> "a string";
                case NUMBER -> "a number";
                case BOOLEAN -> "a boolean";
                case NULL -> "null";
                case END_DOCUMENT -> "the end of the header";
                default -> token.toString();
            };
        }
    }
}
