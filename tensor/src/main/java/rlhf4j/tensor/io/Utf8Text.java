package rlhf4j.tensor.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Strict UTF-8 decoding of data files: a byte sequence that is not UTF-8 is an error saying on which line and at
 * which byte it is, never a silent U+FFFD (which would turn a corrupt name into a new, different name).
 */
public final class Utf8Text {
    private Utf8Text() {}

    /** Bytes that are not UTF-8, with their place: 1-based line and 1-based byte within that line. */
    public static final class MalformedException extends CharacterCodingException {
        private final long line;
        private final long byteInLine;
        private final int badByte;

        MalformedException(long line, long byteInLine, int badByte) {
            this.line = line;
            this.byteInLine = byteInLine;
            this.badByte = badByte;
        }

        public long line() { return line; }

        public long byteInLine() { return byteInLine; }

        /** "invalid UTF-8 (byte 0xFF) at byte 7 of the line", without the line number (callers name it their way). */
        public String problem() {
            return String.format("invalid UTF-8 (byte 0x%02X) at byte %d of the line", badByte, byteInLine);
        }

        @Override public String getMessage() { return "line " + line + ": " + problem(); }
    }

    /** The whole file, decoded strictly. */
    public static String read(Path file) throws IOException { return decode(Files.readAllBytes(file)); }

    /** All of {@code bytes} decoded strictly; the error counts lines from 1. */
    public static String decode(byte[] bytes) throws MalformedException { return decode(bytes, bytes.length, 1); }

    /** The first {@code length} bytes decoded strictly; {@code firstLine} is the line they start on. */
    static String decode(byte[] bytes, int length, long firstLine) throws MalformedException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, 0, length);
        CharBuffer out = CharBuffer.allocate(length);     // UTF-8 never gives more chars than bytes
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) result = decoder.flush(out);
        if (result.isError()) throw malformed(bytes, in.position(), firstLine);
        return out.flip().toString();
    }

    private static MalformedException malformed(byte[] bytes, int at, long firstLine) {
        long line = firstLine;
        int lineStart = 0;
        for (int i = 0; i < at; i++) if (bytes[i] == '\n') { line++; lineStart = i + 1; }
        return new MalformedException(line, at - lineStart + 1L, bytes[at] & 0xFF);
    }

    /**
     * Lines of a stream, split at '\n' (a '\r' before it is dropped), each decoded strictly. A line that is not
     * UTF-8 throws {@link MalformedException} and is skipped, so a lenient reader can go on with the next.
     */
    public static final class LineReader implements Closeable {
        private final InputStream in;
        private final byte[] buffer = new byte[1 << 16];
        private int position, limit;                     // unread bytes are buffer[position, limit)
        private byte[] line = new byte[256];
        private long lineNumber;

        public LineReader(InputStream in) { this.in = in; }

        /** The next line, or null at the end of the stream. */
        public String readLine() throws IOException {
            int n = 0;
            boolean sawAny = false;
            while (true) {
                if (position == limit) {
                    limit = in.read(buffer, 0, buffer.length);
                    position = 0;
                    if (limit <= 0) { limit = 0; break; }
                }
                sawAny = true;
                int end = position;
                while (end < limit && buffer[end] != '\n') end++;
                int take = end - position;
                if (n + take > line.length) line = Arrays.copyOf(line, Math.max(Math.addExact(n, take), 2 * line.length));
                System.arraycopy(buffer, position, line, n, take);
                n += take;
                position = end;
                if (end < limit) { position++; break; }  // consumed the '\n'
            }
            if (!sawAny) return null;
            lineNumber++;
            if (n > 0 && line[n - 1] == '\r') n--;
            byte[] bytes = line;
            if (line.length > 1 << 20) line = new byte[256];   // do not keep a huge line's buffer
            return decode(bytes, n, lineNumber);
        }

        /** The 1-based number of the line last returned (or rejected). */
        public long lineNumber() { return lineNumber; }

        @Override public void close() throws IOException { in.close(); }
    }
}
