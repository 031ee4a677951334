package rlhf4j.rlhf.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Counts and spot checks against the shared files. Texts are checked by length only: some hold slurs. */
class DataSetsTest {

    @Test
    void tweetEvalHate() {
        List<LabeledText> train = TweetEvalHate.train();
        List<LabeledText> val = TweetEvalHate.val();
        assertEquals(9000, train.size());
        assertEquals(1000, val.size());
        assertArrayEquals(new int[] {5217, 3783}, LabeledText.classCounts(train, 2));
        assertArrayEquals(new int[] {573, 427}, LabeledText.classCounts(val, 2));
        assertLabelAndLength(train.get(0), 0, 108);
        assertLabelAndLength(train.get(1234), 0, 65);
        assertLabelAndLength(train.get(8999), 1, 120);
        assertLabelAndLength(val.get(500), 1, 28);
        assertLabelAndLength(val.get(999), 0, 139);
    }

    @Test
    void tweetEvalMismatchedFilesAreNamed(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("x_text.txt"), "one\ntwo\n");
        Files.writeString(dir.resolve("x_labels.txt"), "0\n");
        var e = assertThrows(IllegalArgumentException.class, () -> TweetEvalHate.load(dir, "x"));
        assertTrue(e.getMessage().contains("x_text.txt") && e.getMessage().contains("x_labels.txt"), e.getMessage());

        Files.writeString(dir.resolve("x_labels.txt"), "0\nhate\n");
        e = assertThrows(IllegalArgumentException.class, () -> TweetEvalHate.load(dir, "x"));
        assertTrue(e.getMessage().contains("x_labels.txt:2"), e.getMessage());
    }

    @Test
    void davidsonHate() {
        List<DavidsonHate.Row> rows = DavidsonHate.load();
        assertEquals(24783, rows.size());
        List<LabeledText> labeled = DavidsonHate.labeled(rows);
        assertArrayEquals(new int[] {1430, 19190, 4163}, LabeledText.classCounts(labeled, 3));
        assertEquals(0, rows.get(0).index());
        assertLabelAndLength(labeled.get(0), DavidsonHate.NEITHER, 140);
        assertEquals(List.of(3, 0, 0, 3), votes(rows.get(0)));
        assertEquals(101, rows.get(100).index());
        assertLabelAndLength(labeled.get(100), DavidsonHate.OFFENSIVE, 134);
        // row 9 is a quoted tweet over three lines with two doubled quotes inside
        DavidsonHate.Row multiline = rows.get(9);
        assertLabelAndLength(multiline.labeled(), DavidsonHate.OFFENSIVE, 55);
        assertEquals(2, multiline.tweet().chars().filter(c -> c == '\n').count());
        assertEquals(2, multiline.tweet().chars().filter(c -> c == '"').count());
        assertEquals(25296, rows.get(24782).index());
        assertLabelAndLength(labeled.get(24782), DavidsonHate.NEITHER, 127);
    }

    @Test
    void davidsonBadRowNamesLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("d.csv");
        String header = ",count,hate_speech,offensive_language,neither,class,tweet\n";
        Files.writeString(file, header + "0,3,0,0,3,2,\"ok\nstill ok\"\n1,3,0,x,0,1,bad count\n");
        var e = assertThrows(IllegalArgumentException.class, () -> DavidsonHate.load(file));
        assertTrue(e.getMessage().contains("d.csv:4") && e.getMessage().contains("offensive_language"),
                e.getMessage());
        Files.writeString(file, header + "0,3,1,0,3,2,votes exceed count\n");
        e = assertThrows(IllegalArgumentException.class, () -> DavidsonHate.load(file));
        assertTrue(e.getMessage().contains("d.csv:2"), e.getMessage());
        Files.writeString(file, "count,tweet\n");
        e = assertThrows(IllegalArgumentException.class, () -> DavidsonHate.load(file));
        assertTrue(e.getMessage().contains("d.csv:1"), e.getMessage());
    }

    @Test
    void sst2() {
        List<LabeledText> train = Sentiment.sst2Train();
        List<LabeledText> dev = Sentiment.sst2Dev();
        assertEquals(65328, train.size());
        assertEquals(872, dev.size());
        assertArrayEquals(new int[] {28898, 36430}, LabeledText.classCounts(train, 2));
        assertArrayEquals(new int[] {428, 444}, LabeledText.classCounts(dev, 2));
        assertLabelAndLength(train.get(0), 0, 37);
        assertLabelAndLength(train.get(65327), 1, 33);
        assertEquals(new LabeledText("it 's a charming and often affecting journey .", 1), dev.get(0));
        assertLabelAndLength(dev.get(871), 1, 150);
    }

    @Test
    void sst2BadLabelNamesLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("s.tsv");
        Files.writeString(file, "good .\t1\nbad .\t2\n");
        var e = assertThrows(IllegalArgumentException.class, () -> Sentiment.sst2(file));
        assertTrue(e.getMessage().contains("s.tsv:2"), e.getMessage());
        Files.writeString(file, "no tab here\n");
        e = assertThrows(IllegalArgumentException.class, () -> Sentiment.sst2(file));
        assertTrue(e.getMessage().contains("s.tsv:1"), e.getMessage());
    }

    @Test
    void rtPolarity() {
        List<LabeledText> all = Sentiment.rtPolarity();
        assertEquals(10662, all.size());
        assertArrayEquals(new int[] {5331, 5331}, LabeledText.classCounts(all, 2));
        assertLabelAndLength(all.get(0), 1, 177);
        assertLabelAndLength(all.get(5331), 0, 32);
        // the shared copy is UTF-8: accented letters come through as single characters
        assertTrue(all.stream().anyMatch(r -> r.text().contains("\u00e9")));
        assertTrue(all.stream().noneMatch(r -> r.text().contains("\u00c3")));
    }

    @Test
    void rtPolarityReadsLatin1(@TempDir Path dir) throws IOException {
        Path pos = dir.resolve("p.pos"), neg = dir.resolve("n.neg");
        Files.write(pos, "un caf\u00e9 tr\u00e8s bon\n".getBytes(StandardCharsets.ISO_8859_1));
        Files.write(neg, "d\u00e9j\u00e0 vu\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of(new LabeledText("un caf\u00e9 tr\u00e8s bon", 1), new LabeledText("d\u00e9j\u00e0 vu", 0)),
                Sentiment.rtPolarity(pos, neg));
    }

    private static void assertLabelAndLength(LabeledText r, int label, int length) {
        assertEquals(label, r.label());
        assertEquals(length, r.text().length());
    }

    private static List<Integer> votes(DavidsonHate.Row r) {
        return List.of(r.annotators(), r.hateVotes(), r.offensiveVotes(), r.neitherVotes());
    }
}
