package rlhf4j.rlhf.oracle;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class OraclesTest {
    @Test void namesWithAndWithoutPrefix() {
        String text = "What a wonderful, happy day!";
        double vader = Vader.load().score(text), afinn = Afinn.load().score(text);
        assertTrue(vader > 0.5 && afinn > 0, vader + " " + afinn);
        for (String name : List.of("vader", "VADER", "oracle:vader", " oracle:Vader ")) assertEquals(vader, Oracles.byName(name).score(text), name);
        for (String name : List.of("afinn", "oracle:afinn", "Oracle:AFINN")) assertEquals(afinn, Oracles.byName(name).score(text), name);
    }

    @Test void unknownNamesListTheChoices() {
        for (String name : List.of("sentiment", "oracle:", "rlhf4j.rlhf.oracle.Vader", "rm:dir")) {
            var e = assertThrows(IllegalArgumentException.class, () -> Oracles.byName(name));
            assertTrue(e.getMessage().contains("'" + name + "'") && e.getMessage().contains(Oracles.CHOICES), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Oracles.byName(null));
    }
}
