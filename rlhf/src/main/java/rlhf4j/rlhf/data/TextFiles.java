package rlhf4j.rlhf.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Whole-file reads that decode strictly and name the file in every error. */
final class TextFiles {
    private TextFiles() {}

    /** The file decoded as UTF-8; a byte sequence that is not UTF-8 is an error naming the file. */
    static String readUtf8(Path file) {
        try {
            return decode(file, Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The file as UTF-8 when it is valid UTF-8, otherwise as Latin-1 (every byte sequence is valid Latin-1). */
    static String readUtf8OrLatin1(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        try {
            return decode(file, bytes, StandardCharsets.UTF_8);
        } catch (UncheckedIOException notUtf8) {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
    }

    /** The lines of a UTF-8 file, without terminators (LF or CRLF); a final terminator adds no empty line. */
    static List<String> readUtf8Lines(Path file) {
        return lines(readUtf8(file));
    }

    /** Splits on '\n' only (a lone '\r' inside a line stays), dropping the '\r' of a CRLF. */
    static List<String> lines(String text) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) end = text.length();
            int contentEnd = end > start && text.charAt(end - 1) == '\r' ? end - 1 : end;
            lines.add(text.substring(start, contentEnd));
            start = end + 1;
        }
        return lines;
    }

    private static String decode(Path file, byte[] bytes, Charset charset) {
        try {
            return charset.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new UncheckedIOException(file + ": not valid " + charset.name(), e);
        }
    }
}
