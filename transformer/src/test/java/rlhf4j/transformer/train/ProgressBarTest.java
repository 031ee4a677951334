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

    ProgressBar counting(boolean redraw) {
        return new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), "sample", 8, redraw, 5_000, () -> now[0]);
    }

    @Test void countingLineShowsLabelCountBarRateEtaAndNote() {
        ProgressBar b = counting(false);
        b.start(0);
        now[0] = 6_000_000_000L;                                                   // 2 of 8 in 6 s: first line after 5 s
        b.update(2, "loss 0.52");
        assertEquals("sample   2/8  25.0% [######..................] | 0.33 it/s | ETA 18s | loss 0.52\n", text());
    }

    @Test void countingPlainModePrintsEveryIntervalAndOnceAtTheEnd() {
        ProgressBar b = counting(false);
        b.start(0);
        for (int i = 1; i <= 8; i++) {
            now[0] = i * 1_000_000_000L;
            b.update(i, "");
        }
        b.update(8, "");                                                           // a repeated last update adds nothing
        b.finish();
        String[] lines = text().split("\n");
        assertEquals(2, lines.length, text());
        assertTrue(lines[0].startsWith("sample   5/8"), lines[0]);
        assertTrue(lines[1].startsWith("sample   8/8 100.0% [########################]") && lines[1].endsWith("| 8s"), lines[1]);
    }

    @Test void countingTerminalModeRedrawsAtMostFourTimesASecond() {
        ProgressBar b = counting(true);
        b.start(0);
        for (int i = 1; i <= 7; i++) {
            now[0] = i * 100_000_000L;                                             // every 0.1 s
            b.update(i, "");
        }
        b.finish();
        String t = text();
        assertEquals(3, t.chars().filter(c -> c == '\r').count(), t);             // at 0.1, 0.4 and 0.7 s
        assertTrue(t.endsWith("\n") && t.chars().filter(c -> c == '\n').count() == 1, t);
    }

    @Test void aBarOnNothingIsSilent() {
        ProgressBar b = ProgressBar.on((PrintStream) null, "x", 3);
        b.update(1, "a");
        b.update(3, "b");
        b.println("c");
        b.finish();
        assertEquals("", text());
    }
}
