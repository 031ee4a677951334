package rlhf4j.tensor.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import rlhf4j.tensor.Tensor;

/** {@link Quote}, {@link Utf8Text} and {@link NonFinite}: the small helpers every file reader shares. */
class TextHelpersTest {

    @Test void shortValuesAreQuotedWhole() {
        assertEquals("abc", Quote.cap("abc"));
        assertEquals("null", Quote.cap((String) null));
        String exactly = "x".repeat(Quote.MAX_CHARS);
        assertEquals(exactly, Quote.cap(exactly));
    }

    @Test void aTwentyMegabyteValueIsCutToTwoHundredCharactersAndItsLength() {
        String huge = "[" + "7,".repeat(10_000_000) + "7]";
        String quoted = Quote.cap(huge);
        assertTrue(quoted.startsWith("[7,7,7,"), quoted);
        assertTrue(quoted.endsWith("… (" + huge.length() + " characters)"), quoted);
        assertTrue(quoted.length() < Quote.MAX_CHARS + 40, "length " + quoted.length());
    }

    @Test void aCutNeverSplitsASurrogatePair() {
        String text = "a".repeat(Quote.MAX_CHARS - 1) + "😀" + "b".repeat(10);   // the emoji straddles the cut
        String quoted = Quote.cap(text);
        assertEquals("a".repeat(Quote.MAX_CHARS - 1) + "… (" + text.length() + " characters)", quoted);
    }

    @Test void validUtf8DecodesAsTheJdkDoes() throws IOException {
        String text = "héllo\n世界 😀\r\nlast";
        assertEquals(text, Utf8Text.decode(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test void invalidUtf8NamesTheLineAndTheByte() {
        byte[] bytes = "ok\nab\u00e9\nzz".getBytes(StandardCharsets.UTF_8);
        bytes[5] = (byte) 0xFF;   // line 2 is "ab" + é; its first byte of é becomes 0xFF
        var e = assertThrows(Utf8Text.MalformedException.class, () -> Utf8Text.decode(bytes));
        assertEquals(2, e.line());
        assertEquals(3, e.byteInLine());
        assertEquals("line 2: invalid UTF-8 (byte 0xFF) at byte 3 of the line", e.getMessage());
    }

    @Test void surrogatesAndOverlongFormsAreNotUtf8() {
        assertThrows(Utf8Text.MalformedException.class, () -> Utf8Text.decode(new byte[]{(byte) 0xED, (byte) 0xA0, (byte) 0x80}));
        assertThrows(Utf8Text.MalformedException.class, () -> Utf8Text.decode(new byte[]{(byte) 0xC0, (byte) 0xAF}));
        assertThrows(Utf8Text.MalformedException.class, () -> Utf8Text.decode(new byte[]{(byte) 0xE2, (byte) 0x82}));
    }

    @Test void lineReaderSplitsAtNewlinesDropsCarriageReturnsAndSkipsABadLine() throws IOException {
        byte[] bytes = "one\r\n\ntw\u00e9\nfour".getBytes(StandardCharsets.UTF_8);
        bytes[8] = (byte) 0x80;   // a lone continuation byte in line 3
        List<String> lines = new ArrayList<>();
        List<Long> bad = new ArrayList<>();
        try (var in = new Utf8Text.LineReader(new ByteArrayInputStream(bytes))) {
            while (true) {
                try {
                    String line = in.readLine();
                    if (line == null) break;
                    lines.add(line);
                } catch (Utf8Text.MalformedException e) {
                    bad.add(e.line());
                }
            }
        }
        assertEquals(List.of("one", "", "four"), lines);
        assertEquals(List.of(3L), bad);
    }

    @Test void lineReaderReadsLinesLongerThanItsBuffer() throws IOException {
        String longLine = "é".repeat(100_000);   // 200,000 bytes, over three 64 KiB reads
        try (var in = new Utf8Text.LineReader(new ByteArrayInputStream((longLine + "\nx\n").getBytes(StandardCharsets.UTF_8)))) {
            assertEquals(longLine, in.readLine());
            assertEquals("x", in.readLine());
            assertNull(in.readLine());
            assertEquals(2, in.lineNumber());
        }
    }

    @Test void nonFiniteValuesAreCountedAndNamed() {
        Tensor good = Tensor.of(new float[]{1, 2, 3}, 3);
        Tensor bad = Tensor.of(new float[]{Float.NaN, 1, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}, 2, 2);
        Tensor allNan = Tensor.of(new float[]{Float.NaN, Float.NaN}, 2);
        try {
            assertEquals(0, NonFinite.count(good));
            assertEquals(3, NonFinite.count(bad));
            assertEquals(2, NonFinite.count(bad.select(1, 0)));   // a strided view: column 0, [NaN, inf]
            Map<String, Tensor> weights = new LinkedHashMap<>();
            weights.put("good", good);
            assertTrue(NonFinite.warning("f", weights).isEmpty());
            weights.put("wte.weight", bad);
            weights.put("tied", bad);          // the same tensor under a second name counts once
            weights.put("ln_f.weight", allNan);
            assertEquals("warning: f: tensor wte.weight has 3 of 4 values NaN or infinite (2 tensors, 5 values in all);"
                    + " the model will not compute anything meaningful", NonFinite.warning("f", weights).orElseThrow());
        } finally {
            good.free();
            bad.free();
            allNan.free();
        }
    }
}
