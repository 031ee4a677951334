package rlhf4j.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.transformer.io.FileFormatException;
import rlhf4j.transformer.data.DataSets;

class LlamaTokenizerTest {
    private static final String LILY =
            "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.";

    private static LlamaTokenizer tok512() throws Exception {
        return LlamaTokenizer.load(DataSets.file("stories260k/tok512.bin"));
    }

    @Test void readsTheRealVocabulary() throws Exception {
        LlamaTokenizer tok = tok512();
        assertEquals(512, tok.vocabSize());
        assertEquals(7, tok.maxTokenLength());
        assertEquals("<unk>", tok.token(0));
        assertEquals("\n<s>\n", tok.token(1));
        assertEquals("\n</s>\n", tok.token(2));
        assertEquals("<0x00>", tok.token(3));
        assertEquals("<0xFF>", tok.token(258));
        assertEquals(" t", tok.token(259));
        assertEquals(-0.0f, tok.score(259));
        assertEquals(-1.0f, tok.score(260));
        assertEquals(1, tok.bosId());
        assertEquals(2, tok.eosId());
        assertEquals(-1, tok.padId());
    }

    @Test void encodesByHighestScoringMerges() throws Exception {
        LlamaTokenizer tok = tok512();
        // [BOS, " ", t, h, e]: " t" scores -0 (best) → [BOS, " t", h, e]; "he" (-1) beats " th" (-49) →
        // [BOS, " t", "he"]; then " the" (-6) → [BOS, " the"]
        assertEquals(-49f, tok.score(tok.idOf(" th")));
        assertArrayEquals(new int[]{1, tok.idOf(" the")}, tok.encode("the"));
        assertArrayEquals(new int[]{tok.idOf(" the"), 2}, tok.encode("the", false, true));
        assertArrayEquals(new int[]{1}, tok.encode(""));
        assertArrayEquals(new int[0], tok.encode("", false, false));
    }

    @Test void storiesSentenceRoundTripsThroughRealPieces() throws Exception {
        LlamaTokenizer tok = tok512();
        int[] ids = tok.encode(LILY);
        assertEquals(1, ids[0]);
        assertEquals(LILY, tok.decode(ids));
        // pieces computed by transcribing run.c's encode loop by hand in a scratch script
        List<String> expected = List.of(" Once", " upon", " a", " time", ",", " there", " was", " a", " little", " g",
                "ir", "l", " named", " Lily", ".", " She", " lo", "ved", " to", " play", " ", "out", "s", "id", "e",
                " in", " the", " p", "ar", "k", ".");
        List<String> pieces = Arrays.stream(ids, 1, ids.length).mapToObj(tok::token).toList();
        assertEquals(expected, pieces);
        assertEquals(" " + LILY, String.join("", pieces));   // the dummy prefix, then the text, piece by piece
        // after BOS the leading space of the first piece is dropped; without BOS it stays
        assertEquals("Once", tok.decode(new int[]{1, tok.idOf(" Once")}));
        assertEquals(" Once", tok.decode(new int[]{tok.idOf(" Once")}));
    }

    @Test void unknownCharactersFallBackToBytes() throws Exception {
        LlamaTokenizer tok = tok512();
        // 😀 = F0 9F 98 80 is no piece; its bytes are ids byte + 3, and " " + "<0xF0>" is no piece either
        assertArrayEquals(new int[]{tok.idOf(" "), 0xF0 + 3, 0x9F + 3, 0x98 + 3, 0x80 + 3}, tok.encode("😀", false, false));
        assertEquals("😀", tok.decode(tok.encode("😀")));
        assertEquals("€", tok.token(tok.encode("€", false, false)[1]));   // a 3-byte piece of the vocabulary
        for (String s : List.of("中文 and émoji 👍🏽!", "  two spaces", "tab\tnew\nline", "a\u0000b", "<0x41>"))
            assertEquals(s, tok.decode(tok.encode(s)), s);
        byte[] invalid = {'a', (byte) 0x80, (byte) 0xFF, (byte) 0xE2, (byte) 0x82, 'b', (byte) 0xC3};
        assertArrayEquals(invalid, tok.decodeBytes(tok.encodeBytes(invalid)));
        assertEquals("A", new String(tok.decodeBytes(new int[]{0x41 + 3}), StandardCharsets.UTF_8));
    }

    @Test void fastEncodingEqualsRunCTranscription() throws Exception {
        LlamaTokenizer tok = tok512();
        List<String> lines = Files.readAllLines(DataSets.file("tinystories/tiny_stories.txt")).subList(0, 120);
        for (String line : lines) {
            byte[] b = line.getBytes(StandardCharsets.UTF_8);
            assertArrayEquals(tok.encodeReference(b, true, false), tok.encode(b, true, false), line);
        }
        SplittableRandom rng = new SplittableRandom(3);
        for (int trial = 0; trial < 300; trial++) {
            byte[] b = new byte[rng.nextInt(0, 40)];
            for (int i = 0; i < b.length; i++)
                b[i] = (byte) (rng.nextInt(3) == 0 ? rng.nextInt(256) : " aeht.,!".charAt(rng.nextInt(8)));
            boolean bos = rng.nextBoolean(), eos = rng.nextBoolean();
            assertArrayEquals(tok.encodeReference(b, bos, eos), tok.encode(b, bos, eos));
            assertArrayEquals(b, tok.decodeBytes(tok.encode(b, true, eos)));
        }
    }

    @Test void saveWritesTheSameBytesAndTruncationIsReported(@TempDir Path dir) throws Exception {
        Path original = DataSets.file("stories260k/tok512.bin");
        Path copy = dir.resolve("tok.bin");
        tok512().save(copy);
        assertArrayEquals(Files.readAllBytes(original), Files.readAllBytes(copy));
        assertEquals(512, LlamaTokenizer.load(copy, 512).vocabSize());
        var e = assertThrows(FileFormatException.class, () -> LlamaTokenizer.load(copy, 600));
        assertTrue(e.getMessage().contains(copy.toString()) && e.getMessage().contains("token 512")
                && e.getMessage().contains("600"), e.getMessage());
        byte[] all = Files.readAllBytes(original);
        Files.write(copy, Arrays.copyOf(all, all.length - 3));
        e = assertThrows(FileFormatException.class, () -> LlamaTokenizer.load(copy));
        assertTrue(e.getMessage().contains("truncated in token 511"), e.getMessage());
    }
}
