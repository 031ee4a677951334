package rlhf4j.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.transformer.io.FileFormatException;
import rlhf4j.transformer.data.DataSets;

class CharTokenizerTest {

    @Test void shakespeareVocabularyMatchesNanoGpt() throws Exception {
        String text = Files.readString(DataSets.file("tinyshakespeare/input.txt"));
        CharTokenizer tok = CharTokenizer.fromCorpus(text);
        // nanoGPT's data/shakespeare_char/prepare.py prints these 65 characters and encodes "hii there" so
        assertEquals(65, tok.vocabSize());
        assertEquals("\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", tok.alphabet());
        assertArrayEquals(new int[]{46, 47, 47, 1, 58, 46, 43, 56, 43}, tok.encode("hii there"));
        assertEquals("hii there", tok.decode(new int[]{46, 47, 47, 1, 58, 46, 43, 56, 43}));
        String head = text.substring(0, 5000);
        assertEquals(head, tok.decode(tok.encode(head)));
        assertEquals(-1, tok.bosId());
        assertEquals(-1, tok.eosId());
        assertEquals(-1, tok.padId());
    }

    @Test void codePointsNotCharsAndClearErrors() {
        CharTokenizer tok = CharTokenizer.fromCorpus("b😀a中b");
        assertEquals(4, tok.vocabSize());                       // a, b, 中 (U+4E2D), 😀 (U+1F600)
        assertArrayEquals(new int[]{3, 2, 0, 1}, tok.encode("😀中ab"));
        assertEquals("😀", tok.token(3));
        var e = assertThrows(IllegalArgumentException.class, () -> tok.encode("abz"));
        assertTrue(e.getMessage().contains("'z' (U+007A)") && e.getMessage().contains("index 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[]{4}));
    }

    @Test void saveAndLoad(@TempDir Path dir) throws Exception {
        CharTokenizer tok = CharTokenizer.fromCorpus("hello, wörld\n\t\"quoted\" 😀");
        Path f = dir.resolve("chars.json");
        tok.save(f);
        CharTokenizer back = CharTokenizer.load(f);
        assertEquals(tok.alphabet(), back.alphabet());
        assertArrayEquals(tok.encode("wörld 😀"), back.encode("wörld 😀"));
        Files.writeString(f, "{\"type\": \"bpe\"}");
        var e = assertThrows(FileFormatException.class, () -> CharTokenizer.load(f));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    }
}
