package rlhf4j.transformer.train;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The one progress report of the project, for every long loop (pretraining, SFT, reward models, sampling, labelling,
 * PPO, the pipeline's stages), on stderr:
 *
 * <pre>
 * sample    120/512  23.4% [#####...................] | 31.2 it/s | ETA 12s
 * step  120/2000   6.0% | loss 2.3141 | val 2.4012 | 12.3k tok/s | ETA 3m05s
 * </pre>
 *
 * On a terminal the line is redrawn in place with {@code \r}, at most four times a second. Elsewhere (a log file, CI)
 * it is printed as a plain line at most once per {@code plainInterval} of wall time, plus whenever an evaluation
 * result arrives and at the end, so logs stay short. Rates and the ETA count from the first update, so start-up and
 * JIT warm-up before it do not distort them. A bar on a null stream draws nothing.
 */
public final class ProgressBar {
    private static final int BAR_WIDTH = 24;
    private static final long REDRAW_NANOS = 250_000_000L;

    /** Where the text goes: a PrintStream or a PrintWriter (picocli's stderr), or nowhere. */
    private interface Sink {
        void print(String s);

        void flush();
    }

    private final Sink out;
    private final String label;
    private final int total;
    private final boolean redraw;
    private final long plainIntervalNanos;
    private final LongSupplier clock;
    private long startNanos = -1, lastPrintNanos;
    private int startStep;
    private long tokens;
    private int lastWidth;
    private boolean finished;
    private double lastEval = Double.NaN;

    /**
     * @param label           what is counted ("sample", "rm", ...); null for a training loop's "step"
     * @param redraw          redraw one line in place (a terminal) rather than print plain lines
     * @param plainIntervalMs the least time between plain lines
     * @param clock           nanosecond time source (System::nanoTime; a fake one in tests)
     */
    public ProgressBar(PrintStream out, String label, int total, boolean redraw, long plainIntervalMs, LongSupplier clock) {
        this(out == null ? null : new Sink() {
            @Override public void print(String s) { out.print(s); }

            @Override public void flush() { out.flush(); }
        }, label, total, redraw, plainIntervalMs, clock);
    }

    /** A training-loop bar ("step 120/2000 | loss ..."); see {@link #ProgressBar(PrintStream, String, int, boolean, long, LongSupplier)}. */
    public ProgressBar(PrintStream out, int total, boolean redraw, long plainIntervalMs, LongSupplier clock) {
        this(out, null, total, redraw, plainIntervalMs, clock);
    }

    private ProgressBar(Sink out, String label, int total, boolean redraw, long plainIntervalMs, LongSupplier clock) {
        this.out = out;
        this.label = label;
        this.total = Math.max(1, total);
        this.redraw = redraw;
        this.plainIntervalNanos = plainIntervalMs * 1_000_000L;
        this.clock = clock;
    }

    /** True when stderr is a terminal and the CI variable is unset: then bars redraw in place. */
    static boolean stderrIsTerminal() {
        return System.console() != null && System.console().isTerminal() && System.getenv("CI") == null;
    }

    /**
     * A training-loop bar on out (normally System.err) that redraws when out is the process's stderr on a terminal,
     * and prints plain lines every 10 s otherwise.
     */
    public static ProgressBar on(PrintStream out, int total) {
        return new ProgressBar(out, null, total, out == System.err && stderrIsTerminal(), 10_000, System::nanoTime);
    }

    /** A counting bar named {@code label} on out (null = silent); redraws on a terminal, else a line every 10 s. */
    public static ProgressBar on(PrintStream out, String label, int total) {
        return new ProgressBar(out, label, total, out == System.err && stderrIsTerminal(), 10_000, System::nanoTime);
    }

    /** A counting bar on a writer that stands for stderr (picocli's); redraws when stderr is a terminal. */
    public static ProgressBar on(PrintWriter out, String label, int total) {
        Sink sink = out == null ? null : new Sink() {
            @Override public void print(String s) { out.print(s); }

            @Override public void flush() { out.flush(); }
        };
        return new ProgressBar(sink, label, total, stderrIsTerminal(), 10_000, System::nanoTime);
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
        show(step, now, trainingLine(step, loss, now), !Double.isNaN(evalLoss));
    }

    /** Reports that {@code done} of the total items are finished; {@code note} (may be empty) follows the bar. */
    public void update(int done, String note) {
        long now = clock.getAsLong();
        if (startNanos < 0) start(0);
        show(done, now, countingLine(done, note, now), false);
    }

    private void show(int step, long now, String line, boolean force) {
        if (out == null) return;
        boolean last = step >= total;
        if (redraw) {
            if (!last && !force && lastWidth > 0 && now - lastPrintNanos < REDRAW_NANOS) return;
            String pad = line.length() < lastWidth ? " ".repeat(lastWidth - line.length()) : "";
            out.print("\r" + line + pad);
            lastWidth = line.length();
            if (last) {
                out.print(System.lineSeparator());
                lastWidth = 0;
                finished = true;
            }
        } else if (now - lastPrintNanos >= plainIntervalNanos || force || last) {
            if (last && finished) return;
            out.print(line + System.lineSeparator());
            finished = last;
        } else {
            return;
        }
        lastPrintNanos = now;
        out.flush();
    }

    /** Ends the bar's line (when a loop stops before its total); safe to call more than once. */
    public void finish() {
        if (out == null) return;
        if (redraw && lastWidth > 0) {
            out.print(System.lineSeparator());
            lastWidth = 0;
            out.flush();
        }
    }

    /** Prints a line of its own (an evaluation result); on a terminal it replaces the bar, which the next update redraws. */
    public void println(String message) {
        if (out == null) return;
        if (redraw && lastWidth > 0) {
            String pad = message.length() < lastWidth ? " ".repeat(lastWidth - message.length()) : "";
            out.print("\r" + message + pad + System.lineSeparator());
            lastWidth = 0;
        } else {
            out.print(message + System.lineSeparator());
        }
        out.flush();
    }

    /** The training-loop text for this moment. */
    String trainingLine(int step, double loss, long now) {
        double seconds = (now - startNanos) / 1e9;
        int done = step - startStep;
        double tokPerSec = seconds > 0 ? tokens / seconds : 0;
        StringBuilder sb = new StringBuilder();
        int w = String.valueOf(total).length();
        sb.append(String.format(Locale.ROOT, "step %" + w + "d/%d %5.1f%% | loss %.4f", step, total, 100.0 * step / total, loss));
        if (!Double.isNaN(lastEval)) sb.append(String.format(Locale.ROOT, " | val %.4f", lastEval));
        sb.append(" | ").append(rate(tokPerSec)).append(" tok/s");
        return sb.append(timeLeft(done, step, seconds)).toString();
    }

    /** The counting text for this moment: label, count, percentage, bar, rate, ETA, note. */
    String countingLine(int done, String note, long now) {
        double seconds = (now - startNanos) / 1e9;
        int counted = done - startStep;
        int w = String.valueOf(total).length();
        int filled = (int) ((long) BAR_WIDTH * Math.min(Math.max(done, 0), total) / total);
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-8s %" + w + "d/%d %5.1f%% [%s%s]",
                label == null ? "" : label, done, total, 100.0 * done / total, "#".repeat(filled), ".".repeat(BAR_WIDTH - filled)));
        if (seconds > 0 && counted > 0) sb.append(" | ").append(rate(counted / seconds)).append(" it/s");
        sb.append(timeLeft(counted, done, seconds));
        if (note != null && !note.isEmpty()) sb.append(" | ").append(note);
        return sb.toString();
    }

    private String timeLeft(int counted, int step, double seconds) {
        if (counted > 0 && step < total) return " | ETA " + duration(seconds / counted * (total - step));
        if (step >= total) return " | " + duration(seconds);
        return "";
    }

    static String rate(double perSec) {
        if (perSec >= 1e6) return String.format(Locale.ROOT, "%.2fM", perSec / 1e6);
        if (perSec >= 1e3) return String.format(Locale.ROOT, "%.1fk", perSec / 1e3);
        if (perSec >= 10) return String.format(Locale.ROOT, "%.0f", perSec);
        return String.format(Locale.ROOT, "%.2f", perSec);
    }

    /** 3m05s, 1h02m, 42s. */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s >= 3600) return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
        if (s >= 60) return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        return s + "s";
    }
}
