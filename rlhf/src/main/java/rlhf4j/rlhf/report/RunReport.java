package rlhf4j.rlhf.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import rlhf4j.rlhf.ppo.IterationStats;

/**
 * One self-contained HTML page per run ({@code report.html}): the summary, the training curves, reward histograms
 * before and after, the configuration, and samples. Plots are PNGs inlined as base64, so the file can be mailed or
 * archived alone. Every piece of text from the run (prompts, completions, configuration values) is HTML-escaped.
 */
public final class RunReport {
    public static final String FILE = "report.html";

    /** A prompt with a completion before and after training, and their scores (null where unknown). */
    public record SampleRow(String prompt, String before, String after, Double scoreBefore, Double scoreAfter) {}

    /**
     * Everything the page shows.
     *
     * @param rewardsBefore scores of the reference policy (or of the first iteration's batch); may be null
     * @param rewardsAfter  scores of the trained policy (or of the last iteration's batch); may be null
     */
    public record Content(String title, Summary summary, Map<String, ?> config, List<IterationStats> metrics,
                          float[] rewardsBefore, float[] rewardsAfter, List<SampleRow> samples) {}

    private RunReport() {}

    /** Writes {@code report.html} into the run directory; returns its path. */
    public static Path write(Path runDir, Content c) throws IOException {
        Path f = runDir.resolve(FILE);
        rlhf4j.transformer.run.AtomicFiles.writeString(f, render(c));
        return f;
    }

    public static String render(Content c) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(Html.escape(c.title()))
                .append("</title>\n<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;color:#222}")
                .append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}")
                .append("th{background:#f4f4f4}.plots img{margin:4px;border:1px solid #eee}.sample{white-space:pre-wrap;max-width:420px}")
                .append("</style></head><body>\n<h1>").append(Html.escape(c.title())).append("</h1>\n");

        h.append("<h2>Summary</h2>\n<table>");
        for (var e : c.summary().fields().entrySet())
            h.append("<tr><th>").append(Html.escape(e.getKey())).append("</th><td>")
                    .append(Html.escape(e.getValue() == null ? "—" : String.valueOf(e.getValue()))).append("</td></tr>");
        h.append("</table>\n");

        List<IterationStats> m = c.metrics();
        if (!m.isEmpty()) {
            double[] x = series(m, IterationStats::iteration);
            h.append("<h2>Training</h2>\n<div class=\"plots\">\n");
            plot(h, "Reward (mean score)", "score", x, series(m, s -> s.score().mean()));
            plot(h, "KL to the reference (per sequence)", "KL", x, series(m, s -> s.kl().sequence()));
            plot(h, "Policy entropy (per token)", "entropy", x, series(m, s -> s.completions().entropy()));
            plot(h, "Value loss", "value loss", x, series(m, s -> s.losses().value()));
            plot(h, "Clip fraction", "clip fraction", x, series(m, s -> s.updates().clipFraction()));
            plot(h, "KL coefficient β", "β", x, series(m, s -> s.kl().beta()));
            h.append("</div>\n");
        }
        if (c.rewardsBefore() != null && c.rewardsAfter() != null) {
            h.append("<h2>Rewards before and after</h2>\n<div class=\"plots\">")
                    .append(Plots.imgTag(Plots.histograms("Reward distribution", "score", "before", c.rewardsBefore(), "after",
                            c.rewardsAfter(), 20), "reward histograms before and after"))
                    .append("</div>\n");
        }

        h.append("<h2>Samples</h2>\n<table><tr><th>prompt</th><th>before</th><th>score</th><th>after</th><th>score</th></tr>\n");
        for (SampleRow s : c.samples())
            h.append("<tr><td class=\"sample\">").append(Html.escape(s.prompt())).append("</td><td class=\"sample\">")
                    .append(Html.escape(s.before())).append("</td><td>").append(num(s.scoreBefore())).append("</td><td class=\"sample\">")
                    .append(Html.escape(s.after())).append("</td><td>").append(num(s.scoreAfter())).append("</td></tr>\n");
        h.append("</table>\n");

        h.append("<h2>Configuration</h2>\n<table>");
        for (var e : c.config().entrySet())
            h.append("<tr><th>").append(Html.escape(e.getKey())).append("</th><td>").append(Html.escape(String.valueOf(e.getValue())))
                    .append("</td></tr>");
        h.append("</table>\n</body></html>\n");
        return h.toString();
    }

    private static void plot(StringBuilder h, String title, String y, double[] x, double[] v) {
        h.append(Plots.imgTag(Plots.line(title, y, x, v), title)).append('\n');
    }

    private static double[] series(List<IterationStats> m, ToDoubleFunction<IterationStats> f) {
        return m.stream().mapToDouble(f).toArray();
    }

    private static String num(Double d) { return d == null ? "—" : String.format(Locale.ROOT, "%.3f", d); }
}
