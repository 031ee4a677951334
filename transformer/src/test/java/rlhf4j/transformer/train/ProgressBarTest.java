package rlhf4j.transformer.train;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    final long[] now = {0};
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    ProgressBar bar(boolean redraw) {
        return new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), 10, redraw, 5_000, () -> now[0]);
    }

    String text() { return bytes.toString(StandardCharsets.UTF_8); }

    @Test void lineShowsStepPercentLossValRateAndEta() {
        ProgressBar b = bar(false);
        b.start(0);
        now[0] = 4_000_000_000L;                                                   // 4 steps in 4 s, 1000 tokens each
        for (int s = 1; s <= 4; s++) b.update(s, 2.5, s == 4 ? 2.75 : Double.NaN, 1000);
        assertEquals("step  4/10  40.0% | loss 2.5000 | val 2.7500 | 1.0k tok/s | ETA 6s\n", text());
    }

    @Test void plainModePrintsAtIntervalsOnEvaluationsAndAtTheEnd() {
        ProgressBar b = bar(false);
        b.start(0);
        for (int s = 1; s <= 10; s++) {
            now[0] = s * 1_000_000_000L;                                           // 1 s per step, lines at most every 5 s
            b.update(s, 1.0, s == 7 ? 0.9 : Double.NaN, 10);
        }
        String[] lines = text().split("\n");
        assertEquals(3, lines.length, text());
        assertTrue(lines[0].startsWith("step  5/10"));
        assertTrue(lines[1].startsWith("step  7/10") && lines[1].contains("val 0.9000"));
        assertTrue(lines[2].startsWith("step 10/10 100.0%") && lines[2].endsWith("| 10s"), lines[2]);
        assertFalse(text().contains("\r"));
    }

    @Test void terminalModeRedrawsOneLine() {
        ProgressBar b = bar(true);
        b.start(0);
        now[0] = 1_000_000_000L;
        b.update(1, 3.0, Double.NaN, 100);
        b.println("step 1: val loss 2.9000");
        b.update(2, 2.0, Double.NaN, 100);
        String t = text();
        assertTrue(t.startsWith("\rstep  1/10  10.0% | loss 3.0000"), t);
        assertTrue(t.contains("\rstep 1: val loss 2.9000"), t);
        assertTrue(t.endsWith("ETA 4s") || t.contains("\rstep  2/10"), t);
        assertEquals(1, t.chars().filter(c -> c == '\n').count(), "only the message ends a line");
    }

    @Test void durationsAndRates() {
        assertEquals("42s", ProgressBar.duration(42.3));
        assertEquals("3m05s", ProgressBar.duration(185));
        assertEquals("1h02m", ProgressBar.duration(3725));
        assertEquals("950", ProgressBar.rate(950));
        assertEquals("12.3k", ProgressBar.rate(12_345));
        assertEquals("2.50M", ProgressBar.rate(2.5e6));
    }
}
