package rlhf4j.rlhf.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OraclesTest {
    public static final class Length implements TextScorer {
        @Override public double score(String text) { return text.length(); }
    }

    @Test void namesWithOrWithoutPrefixInAnyCase() {
        for (String name : new String[] {"vader", "VADER", "oracle:vader", "Oracle:Vader"}) {
            assertInstanceOf(Vader.class, Oracles.byName(name), name);
        }
        for (String name : new String[] {"afinn", "oracle:AFINN"}) assertInstanceOf(Afinn.class, Oracles.byName(name), name);
        // the loaded oracles score as themselves: a clearly positive sentence is positive under both
        assertTrue(Oracles.byName("vader").score("What a wonderful, happy day!") > 0.5);
        assertTrue(Oracles.byName("afinn").score("What a wonderful, happy day!") > 0);
        assertEquals(5.0, Oracles.byName(Length.class.getName()).score("hello"));
    }

    @Test void anythingElseListsTheChoices() {
        var e = assertThrows(IllegalArgumentException.class, () -> Oracles.byName("nope"));
        assertEquals("unknown oracle 'nope'; expected " + Oracles.CHOICES, e.getMessage());
        var notAScorer = assertThrows(IllegalArgumentException.class, () -> Oracles.byName("java.lang.StringBuilder"));
        assertTrue(notAScorer.getMessage().startsWith("unknown oracle 'java.lang.StringBuilder'; expected vader"), notAScorer.getMessage());
        var missing = assertThrows(IllegalArgumentException.class, () -> Oracles.byName("oracle:com.example.Nope"));
        assertTrue(missing.getMessage().startsWith("unknown oracle 'oracle:com.example.Nope' (ClassNotFoundException)"),
                missing.getMessage());
    }
}
