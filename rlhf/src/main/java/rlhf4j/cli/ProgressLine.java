package rlhf4j.cli;

import java.io.PrintWriter;
import java.util.Locale;

/** A one-line progress bar on stderr, redrawn at most 4 times a second: label, bar, step/steps, rate, ETA, note. */
final class ProgressLine {
    private static final int WIDTH = 24;
    private final String label;
    private final PrintWriter err;
    private final long start = System.nanoTime();
    private long lastDraw;

    ProgressLine(String label, PrintWriter err) {
        this.label = label;
        this.err = err;
    }

    void update(int step, int steps, String note) {
        long now = System.nanoTime();
        if (step < steps && now - lastDraw < 250_000_000L) return;
        lastDraw = now;
        double secs = (now - start) / 1e9, rate = step / Math.max(secs, 1e-9);
        int filled = (int) ((long) WIDTH * step / Math.max(steps, 1));
        err.printf(Locale.ROOT, "\r%s [%s%s] %d/%d %.2f it/s ETA %.0fs %s   ", label, "#".repeat(filled),
                ".".repeat(WIDTH - filled), step, steps, rate, (steps - step) / Math.max(rate, 1e-9), note);
        err.flush();
    }

    void done() { err.println(); }
}
