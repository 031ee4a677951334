package rlhf4j.rlhf.ppo;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress bar redrawn in place: {@code iter 12/100 [=====     ] 12% reward 0.41 kl 1.2 β 0.05 3.1 s/it}. */
public final class ProgressLine {
    private final PrintStream out;
    private final int total, width;

    /** out may be null (silent). */
    public ProgressLine(PrintStream out, int total) {
        this.out = out;
        this.total = total;
        this.width = 24;
    }

    public void update(int done, String numbers) {
        if (out == null) return;
        int filled = (int) Math.round((double) width * done / total);
        out.printf(Locale.ROOT, "\riter %d/%d [%s%s] %3d%% %s", done, total, "=".repeat(filled), " ".repeat(width - filled),
                100 * done / total, numbers);
        out.flush();
    }

    public void finish() {
        if (out != null) out.println();
    }
}
