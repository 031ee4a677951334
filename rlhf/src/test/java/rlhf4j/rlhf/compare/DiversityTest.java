package rlhf4j.rlhf.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class DiversityTest {
    @Test void distinctNCountsPooledNgrams() {
        List<String> texts = List.of("the cat sat", "The cat ran", "");
        assertEquals(4.0 / 6, Diversity.distinct(texts, 1), 1e-12);    // the, cat, sat, ran of 6 words
        assertEquals(3.0 / 4, Diversity.distinct(texts, 2), 1e-12);    // "the cat" twice, "cat sat", "cat ran"
        assertEquals(1.0, Diversity.distinct(List.of("a b c d"), 2), 0);
        assertEquals(1.0 / 3, Diversity.distinct(List.of("go go go"), 1), 1e-12);
        assertTrue(Double.isNaN(Diversity.distinct(List.of("one"), 2)));
    }
}
