package rlhf4j.rlhf.pipeline;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar for a pipeline stage, redrawn in place at most four times a second:
 * {@code   rm [########........] 12/36 3.1 s ETA 6 s loss 0.52}. A null stream draws nothing.
 */
public final class StageProgress {
    private static final int WIDTH = 24;
    private final PrintStream out;
    private final String label;
    private final int total;
    private final long start = System.nanoTime();
    private long lastDraw;

    public StageProgress(PrintStream out, String label, int total) {
        this.out = out;
        this.label = label;
        this.total = Math.max(1, total);
    }

    /** {@code done} of the total steps are finished; {@code note} is shown after the bar. */
    public void update(int done, String note) {
        if (out == null) return;
        long now = System.nanoTime();
        if (done < total && now - lastDraw < 250_000_000L) return;
        lastDraw = now;
        double secs = (now - start) / 1e9, eta = done == 0 ? Double.NaN : secs / done * (total - done);
        int filled = (int) ((long) WIDTH * Math.min(done, total) / total);
        out.printf(Locale.ROOT, "\r  %-8s [%s%s] %d/%d %.0f s%s %s   ", label, "#".repeat(filled), ".".repeat(WIDTH - filled),
                done, total, secs, Double.isNaN(eta) ? "" : String.format(Locale.ROOT, " ETA %.0f s", eta), note);
        if (done >= total) out.println();
        out.flush();
    }
}
