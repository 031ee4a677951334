package rlhf4j.rlhf.reward;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class ClassificationMetricsTest {
    @Test void handComputedF1() {
        int[] truth = {0, 0, 0, 1, 1, 2};
        int[] pred  = {0, 1, 0, 1, 0, 2};
        var m = ClassificationMetrics.of(truth, pred, 3);
        assertEquals(4.0 / 6, m.accuracy(), 1e-12);
        // class 0: TP 2, FP 1, FN 1 → 4/6; class 1: TP 1, FP 1, FN 1 → 2/4; class 2: 1
        assertEquals(4.0 / 6, m.f1(0), 1e-12);
        assertEquals(0.5, m.f1(1), 1e-12);
        assertEquals(1.0, m.f1(2), 1e-12);
        assertEquals((4.0 / 6 + 0.5 + 1) / 3, m.macroF1(), 1e-12);
        assertArrayEquals(new int[]{1, 0}, ClassificationMetrics.argmax(new float[][]{{0, 2, 1}, {3, 3, 1}}));
    }
}
