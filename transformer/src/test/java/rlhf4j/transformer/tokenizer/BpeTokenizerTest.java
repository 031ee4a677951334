package rlhf4j.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.transformer.io.FileFormatException;
import rlhf4j.transformer.data.DataSets;
import rlhf4j.transformer.tokenizer.BpeTokenizer.Merge;

class BpeTokenizerTest {

    private static String shakespeare(int chars) throws Exception {
        return Files.readString(DataSets.file("tinyshakespeare/input.txt")).substring(0, chars);
    }

    // ---------------------------------------------------------------------------------------- GPT-2 conventions

    @Test void byteToUnicodeMatchesGpt2() {
        assertEquals('Ġ', ByteUnicode.charOf(' '));      // U+0120: the 33rd non-printable byte
        assertEquals('Ċ', ByteUnicode.charOf('\n'));     // U+010A
        assertEquals('Ā', ByteUnicode.charOf(0));        // U+0100
        assertEquals('ġ', ByteUnicode.charOf(0x7F));     // U+0121: DEL follows the 33 bytes 0..32
        assertEquals('Ń', ByteUnicode.charOf(0xAD));     // U+0143: the soft hyphen is the last one
        assertEquals('a', ByteUnicode.charOf('a'));
        assertEquals('é', ByteUnicode.charOf(0xE9));
        boolean[] seen = new boolean[0x200];
        for (int b = 0; b < 256; b++) {
            char c = ByteUnicode.charOf(b);
            assertFalse(seen[c], "two bytes map to " + c);
            seen[c] = true;
            assertEquals(b, ByteUnicode.byteOf(c));
            assertFalse(Character.isWhitespace(c) || Character.isISOControl(c), "byte " + b + " maps to " + (int) c);
        }
        assertEquals(-1, ByteUnicode.byteOf('€'));
    }

    @Test void preTokenizerSplitsAsGpt2() {
        assertEquals(List.of("Hello", " world", "'s", " 123", " ", " test", "!!", "\n\n"),
                Gpt2PreTokenizer.split("Hello world's 123  test!!\n\n"));
        assertEquals(List.of("I", "'ll", " say", " I", "'m", " fine", ",", " ok", "?"),
                Gpt2PreTokenizer.split("I'll say I'm fine, ok?"));
        assertEquals(List.of("中文", " 😀😀", " café", "\u00A0", "x"), Gpt2PreTokenizer.split("中文 😀😀 café\u00A0x"));
        // malformed bytes form chunks of their own; everything concatenates back
        byte[] bytes = {'a', 'b', (byte) 0xFF, (byte) 0xC3, ' ', 'c', (byte) 0xE2, (byte) 0x82};
        List<byte[]> chunks = Gpt2PreTokenizer.splitBytes(bytes);
        assertEquals(List.of("ab", "ÿÃ", " c", "â\u0082"),
                chunks.stream().map(c -> new String(c, StandardCharsets.ISO_8859_1)).toList());
    }

    // ---------------------------------------------------------------------------------------- training

    @Test void trainingOnATinyCorpusMergesAsComputedByHand() {
        // chunks "ab", " ab", " ab", " cd": (a,b) occurs 3 times, (' ',ab) twice, then (' ',c) and (c,d) once each:
        // the tie goes to the smaller left id, ' ' (32) before 'c' (99); then (' c', d); then no pair is left.
        BpeTokenizer tok = BpeTrainer.train("ab ab ab cd", 300, BpeTrainer.DEFAULT_SPECIALS);
        assertEquals(List.of(new Merge('a', 'b', 256), new Merge(' ', 256, 257), new Merge(' ', 'c', 258),
                new Merge(258, 'd', 259)), tok.merges());
        assertEquals(256 + 4 + 2, tok.vocabSize());
        assertEquals(260, tok.eosId());
        assertEquals(260, tok.bosId());
        assertEquals(261, tok.padId());
        assertArrayEquals(new int[]{256, 259, 257}, tok.encode("ab cd ab"));   // chunks "ab", " cd", " ab"
        assertEquals("Ġab", tok.token(257));
    }

    @Test void fastTrainerEqualsNaiveTrainer() throws Exception {
        String corpus = shakespeare(30_000);
        BpeTokenizer fast = BpeTrainer.train(corpus, 420, BpeTrainer.DEFAULT_SPECIALS);
        BpeTokenizer naive = BpeTrainer.trainNaive(corpus, 420, BpeTrainer.DEFAULT_SPECIALS);
        assertEquals(420, fast.vocabSize());
        assertEquals(naive.merges(), fast.merges());
        // the first merge is the most frequent adjacent byte pair inside chunks, counted here independently
        int[][] counts = new int[256][256];
        for (String chunk : Gpt2PreTokenizer.split(corpus)) {
            byte[] b = chunk.getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i + 1 < b.length; i++) counts[b[i] & 0xFF][b[i + 1] & 0xFF]++;
        }
        int bestL = 0, bestR = 0;
        for (int l = 0; l < 256; l++) for (int r = 0; r < 256; r++) if (counts[l][r] > counts[bestL][bestR]) { bestL = l; bestR = r; }
        assertEquals(new Merge(bestL, bestR, 256), fast.merges().get(0));
    }

    @Test void trainedTokenizerRoundTripsAndCompresses() throws Exception {
        String corpus = shakespeare(200_000);
        BpeTokenizer tok = BpeTrainer.train(corpus, 1000, BpeTrainer.DEFAULT_SPECIALS);
        assertEquals(1000, tok.vocabSize());
        String sample = corpus.substring(150_000, 160_000);
        int[] ids = tok.encode(sample);
        assertEquals(sample, tok.decode(ids));
        assertTrue(ids.length < sample.length() / 2.2, "10 kB compressed to " + ids.length + " tokens");
        for (String s : List.of("", "Hello, world! 😀👍🏽", "中文字符和日本語のテキスト", "Ünïcödé ☃ \t\r\n  ", "a\u0000b"))
            assertEquals(s, tok.decode(tok.encode(s)));
        assertEquals(BpeTrainer.train(corpus, 1000, BpeTrainer.DEFAULT_SPECIALS).merges(), tok.merges(), "deterministic");
    }

    @Test void arbitraryBytesRoundTrip() throws Exception {
        BpeTokenizer tok = BpeTrainer.train(shakespeare(50_000), 500, BpeTrainer.DEFAULT_SPECIALS);
        SplittableRandom rng = new SplittableRandom(7);
        for (int trial = 0; trial < 200; trial++) {
            byte[] bytes = new byte[rng.nextInt(0, 64)];
            for (int i = 0; i < bytes.length; i++)   // mostly text, sometimes any byte
                bytes[i] = (byte) (rng.nextInt(4) == 0 ? rng.nextInt(256) : "the cat, and ".charAt(rng.nextInt(13)));
            assertArrayEquals(bytes, tok.decodeBytes(tok.encodeBytes(bytes)));
        }
        byte[] cut = Arrays.copyOf("中".getBytes(StandardCharsets.UTF_8), 2);      // a character cut in half
        assertArrayEquals(cut, tok.decodeBytes(tok.encodeBytes(cut)));
        assertEquals("\uFFFD", tok.decode(tok.encodeBytes(cut)));
    }

    @Test void specialTokensAreNeverMergedAndOnlyRecognisedWhenAsked() throws Exception {
        String corpus = (shakespeare(20_000) + BpeTokenizer.END_OF_TEXT).repeat(3);
        BpeTokenizer tok = BpeTrainer.train(corpus, 400, BpeTrainer.DEFAULT_SPECIALS);
        int eot = tok.eosId(), pad = tok.padId();
        assertNotEquals(eot, pad);
        assertEquals(List.of(BpeTokenizer.END_OF_TEXT, BpeTokenizer.PAD), List.copyOf(tok.specialTokens().keySet()));
        for (Merge m : tok.merges()) assertFalse(tok.isSpecial(m.result()) || tok.isSpecial(m.left()));
        String text = "First Citizen:" + BpeTokenizer.END_OF_TEXT + "<|pad|>x";
        int[] plain = tok.encode(text);
        assertTrue(Arrays.stream(plain).noneMatch(tok::isSpecial));
        assertEquals(text, tok.decode(plain));
        int[] withSpecials = tok.encode(text, true);
        int[] head = tok.encode("First Citizen:");
        int[] expected = Arrays.copyOf(head, head.length + 3);
        expected[head.length] = eot;
        expected[head.length + 1] = pad;
        expected[head.length + 2] = tok.encode("x")[0];
        assertArrayEquals(expected, withSpecials);
        assertEquals(text, tok.decode(withSpecials));
    }

    // ---------------------------------------------------------------------------------------- GPT-2 files

    /** A GPT-2-style vocab.json: bytes in GPT-2's order (printable ones first), merges, then <|endoftext|>. */
    private static void writeGpt2Files(Path vocab, Path merges, List<String> mergeLines) throws Exception {
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) if (ByteUnicode.charOf(b) == (char) b) tokens.add(String.valueOf((char) b));
        for (int b = 0; b < 256; b++) if (ByteUnicode.charOf(b) != (char) b) tokens.add(String.valueOf(ByteUnicode.charOf(b)));
        for (String line : mergeLines) tokens.add(line.replace(" ", ""));
        tokens.add("<|endoftext|>");
        StringBuilder json = new StringBuilder("{");
        for (int i = 0; i < tokens.size(); i++)
            json.append(i == 0 ? "" : ", ").append('"').append(tokens.get(i).replace("\\", "\\\\").replace("\"", "\\\""))
                    .append("\": ").append(i);
        Files.writeString(vocab, json.append('}'));
        Files.writeString(merges, "#version: 0.2\n" + String.join("\n", mergeLines) + "\n");
    }

    @Test void loadsGpt2FormatAndEncodesWithIt(@TempDir Path dir) throws Exception {
        Path vocab = dir.resolve("vocab.json"), merges = dir.resolve("merges.txt");
        writeGpt2Files(vocab, merges, List.of("Ġ t", "h e", "Ġt he", "i s", "Ġ is"));
        BpeTokenizer tok = BpeTokenizer.load(vocab, merges);
        assertEquals(256 + 5 + 1, tok.vocabSize());
        assertEquals(0, tok.encode("!")[0]);                   // GPT-2: '!' is id 0, space is 220, newline 198
        assertArrayEquals(new int[]{220}, tok.encode(" "));
        assertArrayEquals(new int[]{198}, tok.encode("\n"));
        assertEquals(261, tok.eosId());
        assertEquals(-1, tok.padId());
        // " the" → Ġ t h e → (Ġ t) h e → Ġt (h e) → (Ġt he) = id 258; "this" has no applicable merge but (i s)
        assertArrayEquals(new int[]{258}, tok.encode(" the"));
        assertArrayEquals(new int[]{'t' - '!', 'h' - '!', 259}, tok.encode("this"));
        assertArrayEquals(new int[]{258, 260}, tok.encode(" the is"));   // "Ġ is" (rank 4) after "i s" (rank 3) can't apply
        assertArrayEquals(new int[]{258, 261}, tok.encode(" the<|endoftext|>", true));
        BpeTokenizer padded = tok.withSpecialToken(BpeTokenizer.PAD);
        assertEquals(262, padded.padId());
        assertEquals(261, padded.eosId());
        assertArrayEquals(new int[]{258, 262, 261}, padded.encode(" the<|pad|><|endoftext|>", true));
        assertEquals(" the<|pad|>", padded.decode(new int[]{258, 262}));
    }

    @Test void saveThenLoadGivesTheSameTokenizerAndFiles(@TempDir Path dir) throws Exception {
        BpeTokenizer tok = BpeTrainer.train(shakespeare(40_000) + "\"quoted\" \\ <tag>", 450, BpeTrainer.DEFAULT_SPECIALS);
        Path vocab = dir.resolve("vocab.json"), merges = dir.resolve("merges.txt");
        tok.save(vocab, merges);
        List<String> mergeLines = Files.readAllLines(merges);
        assertEquals("#version: 0.2", mergeLines.get(0));
        assertEquals(1 + tok.merges().size(), mergeLines.size());
        BpeTokenizer back = BpeTokenizer.load(vocab, merges);
        assertEquals(tok.merges(), back.merges());
        assertEquals(tok.specialTokens(), back.specialTokens());
        assertEquals(tok.padId(), back.padId());
        for (int id = 0; id < tok.vocabSize(); id++) assertEquals(tok.token(id), back.token(id));
        Path vocab2 = dir.resolve("vocab2.json"), merges2 = dir.resolve("merges2.txt");
        back.save(vocab2, merges2);
        assertEquals(Files.readString(vocab), Files.readString(vocab2));
        assertEquals(Files.readString(merges), Files.readString(merges2));
        assertTrue(Files.readString(vocab).contains("\"<|endoftext|>\":"), "no HTML escaping in vocab.json");
    }

    @Test void badFilesNameTheFileAndTheProblem(@TempDir Path dir) throws Exception {
        Path vocab = dir.resolve("vocab.json"), merges = dir.resolve("merges.txt");
        writeGpt2Files(vocab, merges, List.of("Ġ t"));
        Files.writeString(merges, "#version: 0.2\nĠ t\nq zz\n");
        var e = assertThrows(FileFormatException.class, () -> BpeTokenizer.load(vocab, merges));
        assertTrue(e.getMessage().contains("merges.txt") && e.getMessage().contains("line 3")
                && e.getMessage().contains("zz"), e.getMessage());
        Files.writeString(merges, "#version: 0.2\nĠt\n");
        e = assertThrows(FileFormatException.class, () -> BpeTokenizer.load(vocab, merges));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        Files.writeString(vocab, "{\"a\": 0, \"b\": 5}");
        e = assertThrows(FileFormatException.class, () -> BpeTokenizer.load(vocab, merges));
        assertTrue(e.getMessage().contains("vocab.json") && e.getMessage().contains("id 5"), e.getMessage());
    }
}
