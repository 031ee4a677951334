package rlhf4j.rlhf.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VaderTest {
    static Vader vader;

    @BeforeAll
    static void load() {
        vader = Vader.load();
    }

    @Test
    void lexiconHasEveryDistinctToken() {
        // 7,517 lines, 14 tokens twice ("lol" 2.9 then 1.8): as in the reference, the later line wins
        assertEquals(7503, vader.lexiconSize());
        assertEquals(Vader.round(1.8 / Math.sqrt(1.8 * 1.8 + 15), 4), vader.score("lol"), 0);
    }

    /** The examples published with the reference implementation, with its outputs. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "VADER is smart, handsome, and funny.|0.8316",
            "VADER is smart, handsome, and funny!|0.8439",
            "VADER is very smart, handsome, and funny.|0.8545",
            "VADER is VERY SMART, handsome, and FUNNY.|0.9227",
            "VADER is VERY SMART, handsome, and FUNNY!!!|0.9342",
            "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!|0.9469",
            "VADER is not smart, handsome, nor funny.|-0.7424",
            "The book was good.|0.4404",
            "At least it isn't a horrible book.|0.431",
            "The book was only kind of good.|0.3832",
            "The book was kind of good.|0.3832",
            "The plot was good, but the characters are uncompelling and the dialog is not great.|-0.7042",
            "Today SUX!|-0.5461",
            "Today only kinda sux! But I'll get by, lol|0.5249",
            "Make sure you :) or :D today!|0.8633",
            "Not bad at all|0.431",
    })
    void referenceExamples(String text, double compound) {
        assertEquals(compound, vader.polarity(text).compound(), 1e-9, text);
        assertEquals(compound, vader.score(text), 1e-9);
    }

    @Test
    void referenceProportions() {
        assertEquals(new Vader.Polarity(0.0, 0.254, 0.746, 0.8316),
                vader.polarity("VADER is smart, handsome, and funny."));
        assertEquals(new Vader.Polarity(0.646, 0.354, 0.0, -0.7424),
                vader.polarity("VADER is not smart, handsome, nor funny."));
        assertEquals(new Vader.Polarity(0.127, 0.556, 0.317, 0.5249),
                vader.polarity("Today only kinda sux! But I'll get by, lol"));
        assertEquals(new Vader.Polarity(0.0, 0.678, 0.322, 0.431),
                vader.polarity("At least it isn't a horrible book."));
        assertEquals(new Vader.Polarity(0.0, 0.0, 0.0, 0.0), vader.polarity(""));
        assertEquals(new Vader.Polarity(0.0, 1.0, 0.0, 0.0), vader.polarity("The table is in the room."));
    }

    @Test
    void tokensKeepEmoticonsAndShortPunctuatedWords() {
        assertEquals(List.of("Make", "sure", "you", ":)", "or", ":D", "today"),
                Vader.tokens("Make sure you :) or :D today!"));
        // fewer than 3 characters would remain: the token stays whole, comma included
        assertEquals(List.of("get", "by,", "lol"), Vader.tokens("  get by, lol\t"));
        assertEquals(List.of("I'll", "it's", "wow\"x", ","), Vader.tokens("(I'll) it's... \"wow\"x ,"));
    }

    @Test
    void pythonIsUpper() {
        assertTrue(Vader.isUpper("VADER"));
        assertTrue(Vader.isUpper(":D"));
        assertTrue(Vader.isUpper("I"));
        assertFalse(Vader.isUpper("I'll"));
        assertFalse(Vader.isUpper(":)"));
        assertFalse(Vader.isUpper("123"));
    }

    @Test
    void capsEmphasisOnlyInMixedCaseText() {
        // all words upper case: no word stands out, so "GOOD" scores like "good" (1.9 -> 1.9/sqrt(1.9²+15))
        double plain = 1.9 / Math.sqrt(1.9 * 1.9 + 15);
        assertEquals(Vader.round(plain, 4), vader.score("GOOD"), 1e-12);
        assertEquals(Vader.round(plain, 4), vader.score("good"), 1e-12);
        double caps = (1.9 + 0.733) / Math.sqrt((1.9 + 0.733) * (1.9 + 0.733) + 15);
        assertEquals(Vader.round(caps, 4), vader.score("the GOOD"), 1e-12);
    }

    @Test
    void handComputedRules() {
        // "good" 1.9, "bad" -2.5, "great" 3.1 in the lexicon
        assertEquals(1.9, vader.valences(Vader.tokens("good"))[0], 1e-12);
        // a booster right before: 1.9 + 0.293; two words before: 0.95 of it
        assertEquals(1.9 + 0.293, vader.valences(Vader.tokens("very good"))[1], 1e-12);
        assertEquals(1.9 + 0.293 * 0.95, vader.valences(Vader.tokens("very , good"))[2], 1e-12);
        // a booster on a negative word pushes it further down
        assertEquals(-2.5 - 0.293, vader.valences(Vader.tokens("very bad"))[1], 1e-12);
        // negation one, two or three words back
        assertEquals(1.9 * -0.74, vader.valences(Vader.tokens("not good"))[1], 1e-12);
        assertEquals(1.9 * -0.74, vader.valences(Vader.tokens("isn't that good"))[2], 1e-12);
        assertEquals((1.9 + 0.293) * -0.74, vader.valences(Vader.tokens("never a really good"))[3], 1e-12);
        // "no" before a sentiment word negates it and loses its own valence
        double[] noGood = vader.valences(Vader.tokens("no good"));
        assertEquals(0.0, noGood[0], 1e-12);
        assertEquals(1.9 * -0.74, noGood[1], 1e-12);
        // "least" negates, "at least" does not
        assertEquals(1.9 * -0.74, vader.valences(Vader.tokens("the least good"))[2], 1e-12);
        assertEquals(1.9, vader.valences(Vader.tokens("at least good"))[2], 1e-12);
        // "but": before halved, after raised by half
        double[] but = vader.valences(Vader.tokens("good but bad"));
        assertEquals(0.95, but[0], 1e-12);
        assertEquals(0.0, but[1], 1e-12);
        assertEquals(-3.75, but[2], 1e-12);
        // an idiom replaces the valence of the sentiment word it contains
        assertEquals(-1.5, vader.valences(Vader.tokens("it was the kiss of death"))[5], 1e-12);
    }

    @Test
    void neverSoThisAndWithoutDoubt() {
        double boosted = 1.9 + 0.293;
        assertEquals(boosted, vader.valences(Vader.tokens("so good"))[1], 1e-12);
        // "never so good" intensifies (x1.25) instead of negating
        assertEquals(boosted * 1.25, vader.valences(Vader.tokens("never so good"))[2], 1e-12);
        // the reference also intensifies "so"/"this" just before the word once three words of context exist
        assertEquals(boosted * 1.25, vader.valences(Vader.tokens("it was so good"))[3], 1e-12);
        // "without doubt" does not negate; "without" alone does
        assertEquals(1.9, vader.valences(Vader.tokens("without doubt good"))[2], 1e-12);
        assertEquals(1.9 * -0.74, vader.valences(Vader.tokens("without good"))[1], 1e-12);
    }

    @Test
    void idiomsReplaceValence() {
        assertEquals(3.0, vader.valences(Vader.tokens("it was the bomb"))[3], 1e-12);       // "bomb" alone is -2.2
        assertEquals(-2.9, vader.valences(Vader.tokens("i have a broken heart"))[3], 1e-12); // "broken" alone -2.1
        // idioms need three words of context before the sentiment word, as in the reference
        assertEquals(-2.2, vader.valences(Vader.tokens("the bomb"))[1], 1e-12);
    }

    @Test
    void punctuationEmphasis() {
        assertEquals(0.0, Vader.punctuationEmphasis("good?"), 0);
        assertEquals(4 * 0.292, Vader.punctuationEmphasis("good!!!!!!"), 1e-12);
        assertEquals(2 * 0.18, Vader.punctuationEmphasis("good??"), 1e-12);
        assertEquals(3 * 0.18, Vader.punctuationEmphasis("good???"), 1e-12);
        assertEquals(0.96 + 0.292, Vader.punctuationEmphasis("good????!"), 1e-12);
        // emphasis points away from zero
        double sum = -2.5 - 2 * 0.292;
        assertEquals(Vader.round(sum / Math.sqrt(sum * sum + 15), 4), vader.score("bad!!"), 1e-12);
    }

    @Test
    void unroundedCompound() {
        assertEquals(1.9 / Math.sqrt(1.9 * 1.9 + 15), vader.compoundUnrounded("The book was good."), 1e-15);
        double sum = 1.9 * 0.5 - 2.5 * 1.5 - 0.292; // the sum is negative, so '!' pushes it further down
        assertEquals(sum / Math.sqrt(sum * sum + 15), vader.compoundUnrounded("good but bad!"), 1e-15);
        assertEquals(0.0, vader.compoundUnrounded(""), 0);
    }

    @Test
    void normalizeSquashesIntoUnitInterval() {
        assertEquals(0.0, Vader.normalize(0), 0);
        assertEquals(4 / Math.sqrt(31), Vader.normalize(4), 1e-15);
        assertEquals(-Vader.normalize(7), Vader.normalize(-7), 0);
        assertTrue(Vader.normalize(1e6) <= 1.0);
    }

    @Test
    void roundsLikePython() {
        assertEquals(0.431, Vader.round(0.43099999999, 4), 0);
        assertEquals(0.125, Vader.round(0.125, 3), 0);
        assertEquals(0.12, Vader.round(0.125, 2), 0);   // exact tie: to even
        assertEquals(0.14, Vader.round(0.135, 2), 0);   // 0.135 is stored just above the tie
    }

    @Test
    void malformedLexiconLineNamesFileAndLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("lex.txt");
        Files.writeString(file, "good\t1.9\t0.1\t[1]\nbroken line without tabs\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Vader.load(file));
        assertTrue(e.getMessage().contains("lex.txt:2"), e.getMessage());

        Files.writeString(file, "good\tx.9\t0.1\t[1]\n");
        e = assertThrows(IllegalArgumentException.class, () -> Vader.load(file));
        assertTrue(e.getMessage().contains("lex.txt:1"), e.getMessage());
    }

    @Test
    void emojisBecomeTheirDescriptions(@TempDir Path dir) throws IOException {
        Path lexicon = dir.resolve("lex.txt");
        Path emojis = dir.resolve("emoji.txt");
        Files.writeString(lexicon, "happy\t2.7\t0\t[]\n");
        Files.writeString(emojis, "\uD83D\uDE00\thappy face\n");
        Vader withEmojis = Vader.load(lexicon, emojis);
        // a space before the description unless one is there already, none after it (as in the reference)
        assertEquals("a happy faceb", withEmojis.describeEmojis("a\uD83D\uDE00b"));
        assertEquals("I am happy face", withEmojis.describeEmojis("I am \uD83D\uDE00 "));
        assertEquals(Vader.round(2.7 / Math.sqrt(2.7 * 2.7 + 15), 4), withEmojis.score("I am \uD83D\uDE00"), 0);
        assertEquals(0.0, Vader.load(lexicon).score("I am \uD83D\uDE00"), 0);

        // a sequence of several code points is read but, as in the reference, never matched
        Files.writeString(emojis, "xy\thappy\n");
        assertEquals("xy", Vader.load(lexicon, emojis).describeEmojis("xy"));
        Files.writeString(emojis, "x happy\n");
        var e = assertThrows(IllegalArgumentException.class, () -> Vader.load(lexicon, emojis));
        assertTrue(e.getMessage().contains("emoji.txt:1"), e.getMessage());
    }

    @Test
    void explicitLexiconPath(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tiny.txt");
        Files.writeString(file, "meh\t-1.0\t0\t[]\n");
        Vader tiny = Vader.load(file);
        assertEquals(1, tiny.lexiconSize());
        assertEquals(Vader.round(-1 / Math.sqrt(16), 4), tiny.score("meh"), 0);
        assertEquals("vader", tiny.name());
    }
}
