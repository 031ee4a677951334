package rlhf4j.transformer.train;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.transformer.io.FileFormatException;
import rlhf4j.transformer.data.DataSets;
import rlhf4j.transformer.tokenizer.CharTokenizer;
import rlhf4j.transformer.tokenizer.LlamaTokenizer;

class BatchesTest {
    static final int I = Batch.IGNORE;

    @Test void windowsAreSlicesWithTargetsShiftedByOne() {
        int[] tokens = new int[100];
        for (int i = 0; i < tokens.length; i++) tokens[i] = 1000 + i;              // token = 1000 + its position
        TokenWindows w = new TokenWindows(tokens, 3, 8, 42);
        Batch b = w.batch(5);
        assertEquals(3, b.rows());
        assertEquals(8, b.length());
        for (int r = 0; r < 3; r++) {
            int o = w.offset(5, r);
            assertTrue(o >= 0 && o <= 100 - 9, "offset " + o);
            for (int t = 0; t < 8; t++) {
                assertEquals(1000 + o + t, b.inputs()[r][t]);
                assertEquals(1000 + o + t + 1, b.targets()[r][t]);
            }
        }
        assertArrayEquals(b.inputs(), new TokenWindows(tokens, 3, 8, 42).batch(5).inputs(), "a pure function of (seed, index)");
        assertFalse(Arrays.deepEquals(b.inputs(), w.batch(6).inputs()));
        assertFalse(Arrays.deepEquals(b.inputs(), new TokenWindows(tokens, 3, 8, 43).batch(5).inputs()));
    }

    @Test void windowOffsetsCoverTheSplitUniformly() {
        TokenWindows w = new TokenWindows(new int[11], 1, 8, 7);                   // offsets 0, 1, 2
        int[] seen = new int[3];
        for (int i = 0; i < 3000; i++) seen[w.offset(i, 0)]++;
        for (int c : seen) assertEquals(1000, c, 100);
        assertThrows(IllegalArgumentException.class, () -> new TokenWindows(new int[8], 1, 8, 0));
    }

    @Test void splitIsFirstNinetyPercentThenTheRest() {
        int[] t = new int[25];
        for (int i = 0; i < t.length; i++) t[i] = i;
        int[][] s = TokenWindows.split(t, 0.9);
        assertEquals(22, s[0].length);                                              // int(25 · 0.9) = 22, as nanoGPT
        assertEquals(3, s[1].length);
        assertEquals(21, s[0][21]);
        assertEquals(22, s[1][0]);
    }

    @Test void sftRowsScoreOnlyTheResponse() {
        SftExample e = new SftExample(new int[]{1, 5, 6}, new int[]{7, 8, 2});
        int[] x = new int[7], y = new int[7];
        SftBatches.layOut(e, x, y, 0);
        assertArrayEquals(new int[]{1, 5, 6, 7, 8, 0, 0}, x);
        assertArrayEquals(new int[]{I, I, 7, 8, 2, I, I}, y);
        int[] xs = new int[3], ys = new int[3];                                     // truncated: the response's end is lost
        SftBatches.layOut(e, xs, ys, 0);
        assertArrayEquals(new int[]{1, 5, 6}, xs);
        assertArrayEquals(new int[]{I, I, 7}, ys);
    }

    @Test void sftBatchesPadToTheLongestRowAndVisitEveryExampleEachEpoch() {
        List<SftExample> ex = List.of(new SftExample(new int[]{1}, new int[]{10, 2}),
                new SftExample(new int[]{1, 3}, new int[]{11, 12, 13, 2}),
                new SftExample(new int[]{1, 4, 4}, new int[]{2}));
        SftBatches s = new SftBatches(ex, 3, 100, 0, 9);
        Batch b = s.batch(0);
        assertEquals(5, b.length());                                               // the longest example has 6 tokens
        assertEquals(2 + 4 + 1, b.scoredTokens(), "every response token, EOS included, is scored once");
        for (long epoch = 0; epoch < 4; epoch++) {
            int[] seen = new int[3];
            for (int i = 0; i < 3; i++) seen[s.exampleAt(epoch * 3 + i)]++;
            assertArrayEquals(new int[]{1, 1, 1}, seen, "epoch " + epoch + " is a permutation");
        }
        SftBatches capped = new SftBatches(ex, 2, 3, 0, 9);
        assertEquals(3, capped.batch(1).length());
        assertThrows(IllegalArgumentException.class, () -> new SftBatches(ex, 1, 2, 0, 9), "a prompt fills the whole window");
    }

    @Test void shuffledIsAPermutation() {
        int[] p = SftBatches.shuffled(50, 3);
        int[] sorted = p.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < 50; i++) assertEquals(i, sorted[i]);
        assertFalse(Arrays.equals(p, SftBatches.shuffled(50, 4)));
    }

    @Test void sftPairsFromLlamaTokenizerEndWithEosAndStartWithBos() throws IOException {
        LlamaTokenizer tok = LlamaTokenizer.load(DataSets.file("stories260k/tok512.bin"));
        SftExample e = SftExample.encode(tok, "Once upon a time", "there was a cat.");
        assertEquals(LlamaTokenizer.BOS, e.prompt()[0]);
        assertEquals(LlamaTokenizer.EOS, e.response()[e.response().length - 1]);
        assertArrayEquals(tok.encode("Once upon a time", true, false), e.prompt());
        assertArrayEquals(tok.encode("there was a cat.", false, true), e.response());
        var noEos = assertThrows(IllegalArgumentException.class, () -> SftExample.encode(new CharTokenizer("ab"), "a", "b"));
        assertTrue(noEos.getMessage().contains("end-of-sequence"));
    }

    @Test void sftJsonlReadsPairsAndNamesTheBadLine(@TempDir Path dir) throws IOException {
        Path good = dir.resolve("good.jsonl");
        Files.writeString(good, "{\"prompt\": \"a\", \"response\": \"b\", \"id\": 3}\n\n{\"response\": \"d\", \"prompt\": \"c\"}\n");
        List<SftData.Pair> pairs = SftData.read(good);
        assertEquals(List.of(new SftData.Pair("a", "b", 1), new SftData.Pair("c", "d", 3)), pairs);

        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"prompt\": \"a\", \"response\": \"b\"}\n{\"prompt\": \"a\", \"respons\": \"b\"}\n");
        var e = assertThrows(FileFormatException.class, () -> SftData.read(bad));
        assertTrue(e.getMessage().contains("bad.jsonl") && e.getMessage().contains("line 2") && e.getMessage().contains("\"response\""),
                e.getMessage());
        Files.writeString(bad, "{\"prompt\": \"a\", \"response\": \"b\"}\n{\"prompt\": \"a\", \"response\": \"b\"\n");
        e = assertThrows(FileFormatException.class, () -> SftData.read(bad));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("not valid JSON"), e.getMessage());
        Files.writeString(bad, "{\"prompt\": 3, \"response\": \"b\"}\n");
        e = assertThrows(FileFormatException.class, () -> SftData.read(bad));
        assertTrue(e.getMessage().contains("line 1") && e.getMessage().contains("must be a string"), e.getMessage());
        byte[] latin1 = "{\"prompt\": \"a\", \"response\": \"b\"}\n{\"prompt\": \"caf\u00e9\", \"response\": \"b\"}\n"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);   // é as the single byte 0xE9: not UTF-8
        Files.write(bad, latin1);
        e = assertThrows(FileFormatException.class, () -> SftData.read(bad));
        assertTrue(e.getMessage().endsWith("bad.jsonl: line 2: invalid UTF-8 (byte 0xE9) at byte 16 of the line"), e.getMessage());
    }
}
