package rlhf4j.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.transformer.io.FileFormatException;
import rlhf4j.transformer.data.DataSets;

/** Tokenizer files that are corrupt in ways that once slipped through, or cost time and memory before failing. */
class TokenizerFileChecksTest {
    @TempDir Path dir;

    private Path copyOfTok512(String name) throws Exception {
        Path copy = dir.resolve(name);
        Files.copy(DataSets.file("stories260k/tok512.bin"), copy);
        return copy;
    }

    @Test void aTokenizerBinTooShortForTheModelsVocabularyFailsBeforeReading() throws Exception {
        Path tok = copyOfTok512("tok.bin");
        assertEquals(512, LlamaTokenizer.load(tok, 512).vocabSize());
        long size = Files.size(tok);
        var e = assertThrows(FileFormatException.class, () -> LlamaTokenizer.load(tok, 1 << 30));
        assertEquals(tok, e.file());
        assertTrue(e.getMessage().contains("is " + size + " bytes, too short for 1073741824 tokens"), e.getMessage());
    }

    @Test void aBitFlipInATokenLengthNamesTheToken() throws Exception {
        Path tok = copyOfTok512("flipped.bin");
        byte[] b = Files.readAllBytes(tok);
        ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(5, le.getInt(8));   // token 0, <unk>: max_token_length (4 bytes), score (4), length 5
        le.putInt(8, 5 | 1 << 30);
        Files.write(tok, b);
        var e = assertThrows(FileFormatException.class, () -> LlamaTokenizer.load(tok, 512));
        assertTrue(e.getMessage().contains("token 0 has length 1073741829 outside [0, max_token_length"), e.getMessage());
    }

    private void writeBpe(Path vocab, Path merges, String vocabJson, String mergesTxt) throws Exception {
        Files.writeString(vocab, vocabJson);
        Files.write(merges, mergesTxt.getBytes(StandardCharsets.ISO_8859_1));   // the test's bytes as they are
    }

    /** Id b for the single byte b, then {@code extra}. */
    private static String byteVocab(String extra) {
        StringBuilder json = new StringBuilder("{");
        for (int b = 0; b < 256; b++) {
            String text = String.valueOf(ByteUnicode.charOf(b)).replace("\\", "\\\\").replace("\"", "\\\"");
            json.append(b == 0 ? "" : ", ").append('"').append(text).append("\": ").append(b);
        }
        return json.append(extra).append('}').toString();
    }

    @Test void bpeIdsMustBeIntegersNotRoundedNumbers() throws Exception {
        Path vocab = dir.resolve("vocab.json"), merges = dir.resolve("merges.txt");
        writeBpe(vocab, merges, byteVocab(", \"ab\": 256.7"), "#version: 0.2\na b\n");
        var e = assertThrows(FileFormatException.class, () -> BpeTokenizer.load(vocab, merges));
        assertEquals(vocab, e.file());
        assertTrue(e.getMessage().endsWith("the id of token ab is 256.7, expected an integer"), e.getMessage());
        writeBpe(vocab, merges, byteVocab(", \"ab\": 256"), "#version: 0.2\na b\n");
        assertEquals(List.of(new BpeTokenizer.Merge('a', 'b', 256)), BpeTokenizer.load(vocab, merges).merges());
    }

    @Test void invalidUtf8InMergesNamesTheLine() throws Exception {
        Path vocab = dir.resolve("vocab.json"), merges = dir.resolve("merges.txt");
        writeBpe(vocab, merges, byteVocab(", \"ab\": 256"), "#version: 0.2\na b\n\u00ff\u00fe x\n");
        var e = assertThrows(FileFormatException.class, () -> BpeTokenizer.load(vocab, merges));
        assertEquals(merges, e.file());
        assertTrue(e.getMessage().endsWith("line 3: invalid UTF-8 (byte 0xFF) at byte 1 of the line"), e.getMessage());
    }

    @Test void aHugeBadMergeLineIsQuotedShort() throws Exception {
        Path vocab = dir.resolve("vocab.json"), merges = dir.resolve("merges.txt");
        char[] line = new char[5_000_000];
        Arrays.fill(line, 'q');
        writeBpe(vocab, merges, byteVocab(""), "#version: 0.2\n" + new String(line) + " a\n");
        var e = assertThrows(FileFormatException.class, () -> BpeTokenizer.load(vocab, merges));
        assertTrue(e.getMessage().contains("(5000002 characters)"), e.getMessage().substring(0, 300));
        assertTrue(e.getMessage().length() < 700, "message of " + e.getMessage().length() + " characters");
    }

    @Test void aSpecialTokenWithNoTextIsRefused() throws Exception {
        Path vocab = dir.resolve("vocab.json"), merges = dir.resolve("merges.txt");
        writeBpe(vocab, merges, byteVocab(", \"\": 256"), "#version: 0.2\n");
        var e = assertThrows(FileFormatException.class, () -> BpeTokenizer.load(vocab, merges));
        assertTrue(e.getMessage().endsWith("special token 256 has no text"), e.getMessage());
    }
}
