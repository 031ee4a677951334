package rlhf4j.rlhf.consensus;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class HeldOutSplitTest {
    static List<String> ids() {
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= 40; i++) ids.add("p" + i);
        return ids;
    }

    /** The ids the pipeline's and the reward command's rule held out (recorded from their code before it moved here). */
    @Test void sameIdsAsBefore() {
        var s25 = new HeldOutSplit(25).split(ids(), Function.identity());
        assertEquals(List.of("p2", "p5", "p7", "p18", "p25", "p30", "p33", "p36", "p39", "p40"), s25.heldOut());
        assertEquals(30, s25.train().size());
        assertEquals(List.of("p5", "p7", "p18", "p30", "p39", "p40"), new HeldOutSplit(10).split(ids(), Function.identity()).heldOut());
    }

    @Test void independentOfOrderAndNested() {
        List<String> shuffled = new ArrayList<>(ids());
        Collections.shuffle(shuffled, new java.util.Random(4));
        var a = new HeldOutSplit(25).split(ids(), Function.identity());
        var b = new HeldOutSplit(25).split(shuffled, Function.identity());
        assertEquals(new java.util.HashSet<>(a.heldOut()), new java.util.HashSet<>(b.heldOut()));
        assertTrue(a.heldOut().containsAll(new HeldOutSplit(10).split(ids(), Function.identity()).heldOut()));
        assertTrue(new HeldOutSplit(0).split(ids(), Function.identity()).heldOut().isEmpty());
        assertTrue(new HeldOutSplit(100).split(ids(), Function.identity()).train().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> new HeldOutSplit(101));
    }
}
