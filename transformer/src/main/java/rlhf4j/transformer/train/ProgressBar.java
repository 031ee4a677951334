package rlhf4j.transformer.train;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A one-line progress report for long loops, on stderr:
 *
 * <pre>
 * step  120/2000   6.0% | loss 2.3141 | val 2.4012 | 12.3k tok/s | ETA 3m05s
 * </pre>
 *
 * On a terminal the line is redrawn in place with {@code \r} after every update. Elsewhere (a log file, CI) it is
 * printed as a plain line at most once per {@code plainInterval} of wall time, plus whenever an evaluation result
 * arrives and at the end, so logs stay short. Tokens/s and the ETA count from the first update, so start-up and
 * JIT warm-up before it do not distort them.
 */
public final class ProgressBar {
    private final PrintStream out;
    private final int total;
    private final boolean redraw;
    private final long plainIntervalNanos;
    private final LongSupplier clock;
    private long startNanos = -1, lastPrintNanos;
    private int startStep;
    private long tokens;
    private int lastWidth;
    private double lastEval = Double.NaN;

    /**
     * @param redraw          redraw one line in place (a terminal) rather than print plain lines
     * @param plainIntervalMs the least time between plain lines
     * @param clock           nanosecond time source (System::nanoTime; a fake one in tests)
     */
    public ProgressBar(PrintStream out, int total, boolean redraw, long plainIntervalMs, LongSupplier clock) {
        this.out = out;
        this.total = total;
        this.redraw = redraw;
        this.plainIntervalNanos = plainIntervalMs * 1_000_000L;
        this.clock = clock;
    }

    /**
     * A bar on out (normally System.err) that redraws when out is the process's stderr on a terminal and the CI
     * variable is unset, and prints plain lines every 10 s otherwise.
     */
    public static ProgressBar on(PrintStream out, int total) {
        boolean terminal = out == System.err && System.console() != null && System.console().isTerminal()
                && System.getenv("CI") == null;
        return new ProgressBar(out, total, terminal, 10_000, System::nanoTime);
    }

    /** Marks where timing starts (the step count before the first update), e.g. the step a resumed run starts at. */
    public void start(int step) {
        startStep = step;
        startNanos = clock.getAsLong();
        lastPrintNanos = startNanos;
    }

    /**
     * Reports that {@code step} steps are done, the last on {@code stepTokens} tokens with this loss.
     *
     * @param evalLoss a validation loss measured at this step, or NaN (the last one stays shown)
     */
    public void update(int step, double loss, double evalLoss, long stepTokens) {
        long now = clock.getAsLong();
        if (startNanos < 0) start(step - 1);
        tokens += stepTokens;
        if (!Double.isNaN(evalLoss)) lastEval = evalLoss;
        String line = line(step, loss, now);
        if (redraw) {
            String pad = line.length() < lastWidth ? " ".repeat(lastWidth - line.length()) : "";
            out.print("\r" + line + pad);
            lastWidth = line.length();
            if (step >= total) {
                out.println();
                lastWidth = 0;
            }
            out.flush();
        } else if (now - lastPrintNanos >= plainIntervalNanos || !Double.isNaN(evalLoss) || step >= total) {
            out.println(line);
            out.flush();
            lastPrintNanos = now;
        }
    }

    /** Prints a line of its own (an evaluation result); on a terminal it replaces the bar, which the next update redraws. */
    public void println(String message) {
        if (redraw && lastWidth > 0) {
            String pad = message.length() < lastWidth ? " ".repeat(lastWidth - message.length()) : "";
            out.print("\r" + message + pad + "\n");
            lastWidth = 0;
        } else {
            out.println(message);
        }
        out.flush();
    }

    /** The report text for this moment. */
    String line(int step, double loss, long now) {
        double seconds = (now - startNanos) / 1e9;
        int done = step - startStep;
        double tokPerSec = seconds > 0 ? tokens / seconds : 0;
        StringBuilder sb = new StringBuilder();
        int w = String.valueOf(total).length();
        sb.append(String.format(Locale.ROOT, "step %" + w + "d/%d %5.1f%% | loss %.4f", step, total, 100.0 * step / total, loss));
        if (!Double.isNaN(lastEval)) sb.append(String.format(Locale.ROOT, " | val %.4f", lastEval));
        sb.append(" | ").append(rate(tokPerSec)).append(" tok/s");
        if (done > 0 && step < total) sb.append(" | ETA ").append(duration(seconds / done * (total - step)));
        else if (step >= total) sb.append(" | ").append(duration(seconds));
        return sb.toString();
    }

    static String rate(double perSec) {
        if (perSec >= 1e6) return String.format(Locale.ROOT, "%.2fM", perSec / 1e6);
        if (perSec >= 1e3) return String.format(Locale.ROOT, "%.1fk", perSec / 1e3);
        return String.format(Locale.ROOT, "%.0f", perSec);
    }

    /** 3m05s, 1h02m, 42s. */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s >= 3600) return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
        if (s >= 60) return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        return s + "s";
    }
}
