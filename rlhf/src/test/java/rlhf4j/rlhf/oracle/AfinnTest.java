package rlhf4j.rlhf.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AfinnTest {
    static Afinn afinn;

    @BeforeAll
    static void load() {
        afinn = Afinn.load();
    }

    @Test
    void everyLineIsAnEntry() {
        assertEquals(3382, afinn.size());
    }

    @Test
    void wordsAreLowerCasedRunsWithInnerApostrophesAndHyphens() {
        assertEquals(List.of("i", "can't", "stand", "well-being", "naïve", "gr8", "tis"),
                Afinn.words("I CAN’T stand... Well-being, naïve; gr8 -'tis-"));
        assertEquals(List.of(), Afinn.words(" -- !? "));
    }

    @Test
    void handComputedSums() {
        // good +3, happy +3, sad -2: 4 over 7 words
        Afinn.Score s = afinn.analyse("The good dog was happy, not sad.");
        assertEquals(new Afinn.Score(4, 7, 3), s);
        assertEquals(4 / 7.0, s.mean(), 1e-15);
        assertEquals(4 / 7.0, afinn.score("The good dog was happy, not sad."), 1e-15);

        // phrases first: "not good" -2 (not good 3), "does not work" -3, "no fun" -3 (not no -1 + fun 4)
        assertEquals(new Afinn.Score(-2, 3, 1), afinn.analyse("Not good. Really"));
        assertEquals(new Afinn.Score(-3, 4, 1), afinn.analyse("it does not work"));
        assertEquals(new Afinn.Score(-3, 3, 1), afinn.analyse("no fun here"));
        assertEquals(new Afinn.Score(-3, 3, 1), afinn.analyse("I can't stand"));
        // "kind of" is listed with 0, which hides the +2 of "kind"; "good" still counts
        assertEquals(new Afinn.Score(3, 4, 2), afinn.analyse("kind of good movie"));
        assertEquals(new Afinn.Score(3, 3, 2), afinn.analyse("a kind friend")); // kind +2, friend +1
    }

    @Test
    void emptyTextScoresZero() {
        assertEquals(new Afinn.Score(0, 0, 0), afinn.analyse(""));
        assertEquals(0.0, afinn.score("..."), 0);
    }

    @Test
    void sumScorer() {
        TextScorer sum = afinn.sumScorer();
        assertEquals(-3.0, sum.score("I love you. I hate you. I hate them."), 0); // love +3, hate -3 twice
        assertEquals("afinn-sum", sum.name());
        assertEquals("afinn", afinn.name());
    }

    @Test
    void badLinesNameFileAndLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("afinn.tsv");
        Files.writeString(file, "good\t3\nbad\tterrible\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Afinn.load(file));
        assertTrue(e.getMessage().contains("afinn.tsv:2"), e.getMessage());
        Files.writeString(file, "good\t3\nbest\t9\n");
        e = assertThrows(IllegalArgumentException.class, () -> Afinn.load(file));
        assertTrue(e.getMessage().contains("afinn.tsv:2") && e.getMessage().contains("-5..5"), e.getMessage());
        Files.writeString(file, "good 3\n");
        e = assertThrows(IllegalArgumentException.class, () -> Afinn.load(file));
        assertTrue(e.getMessage().contains("afinn.tsv:1"), e.getMessage());
    }

    @Test
    void explicitListWithPhrases(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tiny.tsv");
        Files.writeString(file, "nice\t2\nnot nice\t-2\nnot\t-1\n");
        Afinn tiny = Afinn.load(file);
        assertEquals(new Afinn.Score(0, 4, 2), tiny.analyse("Nice, NOT nice really")); // 2 - 2
        assertEquals(new Afinn.Score(-1, 1, 1), tiny.analyse("not"));
    }
}
