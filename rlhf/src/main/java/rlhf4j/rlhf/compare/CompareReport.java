package rlhf4j.rlhf.compare;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import rlhf4j.rlhf.compare.CompareStage.Figures;
import rlhf4j.rlhf.compare.CompareStage.Point;
import rlhf4j.rlhf.report.Html;
import rlhf4j.rlhf.report.Plots;
import rlhf4j.transformer.run.AtomicFiles;

/**
 * The comparison's one HTML page, self-contained (every plot is also embedded as a PNG data URI; the PNGs are written
 * beside it too): gold score against KL to the reference, one curve per algorithm starting at the reference (Gao et
 * al. 2022's over-optimisation frontier); proxy reward against gold; diversity against KL; wall time and tokens per
 * second per algorithm; the best setting of each within the KL budget; samples side by side. Every text from a run
 * is HTML-escaped.
 */
final class CompareReport {
    static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().disableHtmlEscaping().create();
    static final String FRONTIER = "frontier.png", PROXY = "proxy-vs-gold.png", DIVERSITY = "diversity.png", SPEED = "speed.png";

    private final CompareConfig cfg;
    private final String goldName;
    private final boolean showSamples;

    /** @param showSamples false: no completion texts in the report (the pipeline's eval.show_samples, off where they may be offensive) */
    CompareReport(CompareConfig cfg, String goldName, boolean showSamples) {
        this.cfg = cfg;
        this.goldName = goldName;
        this.showSamples = showSamples;
    }

    void write(CompareStage.Result r, Path out) throws IOException {
        StringBuilder h = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>").append(Html.escape(cfg.name()))
                .append("</title><style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse}"
                        + "td,th{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}td.t{max-width:260px;font-size:90%}"
                        + "</style></head><body>\n<h1>").append(Html.escape(cfg.name())).append("</h1>\n");
        if (!cfg.note().isEmpty()) h.append("<p>").append(Html.escape(cfg.note())).append("</p>\n");
        h.append("<p>").append(r.points().size()).append(" trained policies from one reward model and one set of prompts; every figure is "
                + "measured on the same held-out prompts. The gold axis is ").append(Html.escape(goldName))
                .append(", a judge the policies never trained against (unless it says otherwise); KL is Σ_t log π − log π_ref per completion, in nats.</p>\n");
        section(h, out, "Gold score against KL to the reference", FRONTIER, Plots.curves("over-optimisation frontier", "KL to reference (nats)",
                goldName, series(r, f -> f.kl(), f -> f.gold())));
        best(h, r);
        section(h, out, "Proxy reward against gold score", PROXY, Plots.curves("proxy vs gold", "proxy reward (trained against)", goldName,
                series(r, f -> f.proxy(), f -> f.gold())));
        section(h, out, "Diversity against KL", DIVERSITY, Plots.curves("distinct-2 of held-out completions", "KL to reference (nats)",
                "distinct-2", series(r, f -> f.kl(), f -> f.distinct2())));
        speed(h, out, r);
        table(h, r);
        samples(h, r);
        h.append("</body></html>\n");
        AtomicFiles.writeString(out.resolve(CompareStage.REPORT), h.toString());
    }

    /** One curve per algorithm, starting at the reference. */
    private static Map<String, double[][]> series(CompareStage.Result r, ToDoubleFunction<Figures> x, ToDoubleFunction<Figures> y) {
        Map<String, List<double[]>> by = new LinkedHashMap<>();
        for (Point p : r.points()) {
            List<double[]> s = by.computeIfAbsent(p.algorithm(), a -> new ArrayList<>());
            if (s.isEmpty() && r.reference() != null) s.add(new double[]{x.applyAsDouble(r.reference().figures()), y.applyAsDouble(r.reference().figures())});
            s.add(new double[]{x.applyAsDouble(p.figures()), y.applyAsDouble(p.figures())});
        }
        Map<String, double[][]> out = new LinkedHashMap<>();
        by.forEach((k, v) -> out.put(k, v.toArray(double[][]::new)));
        return out;
    }

    private static void section(StringBuilder h, Path out, String title, String file, byte[] png) throws IOException {
        Files.write(out.resolve(file), png);
        h.append("<h2>").append(Html.escape(title)).append("</h2>\n").append(Plots.imgTag(png, title)).append("\n<p><a href=\"")
                .append(file).append("\">").append(file).append("</a></p>\n");
    }

    /** Each algorithm's setting with the highest gold score at KL ≤ the budget (null when none stays within it). */
    static Map<String, Point> bestWithin(List<Point> points, double budget) {
        Map<String, Point> best = new LinkedHashMap<>();
        for (Point p : points) {
            if (!(p.figures().kl() <= budget) || !Double.isFinite(p.figures().gold())) { best.putIfAbsent(p.algorithm(), null); continue; }
            Point b = best.get(p.algorithm());
            if (b == null || p.figures().gold() > b.figures().gold()) best.put(p.algorithm(), p);
        }
        return best;
    }

    private void best(StringBuilder h, CompareStage.Result r) {
        Map<String, Point> best = bestWithin(r.points(), cfg.klBudget());
        h.append("<h3>Best gold score at KL ≤ ").append(fmt(cfg.klBudget())).append(" nats</h3>\n<table><tr><th>algorithm</th><th>β</th>"
                + "<th>gold</th><th>KL</th><th>proxy</th></tr>\n");
        if (r.reference() != null)
            h.append(row("reference (start)", "—", r.reference().figures()));
        best.values().stream().filter(p -> p != null).sorted(Comparator.comparingDouble((Point p) -> -p.figures().gold()))
                .forEach(p -> h.append(row(p.algorithm(), fmt(p.beta()), p.figures())));
        best.forEach((a, p) -> { if (p == null) h.append("<tr><td>").append(Html.escape(a)).append("</td><td colspan=4>no setting within the budget</td></tr>\n"); });
        h.append("</table>\n");
        best.values().stream().filter(p -> p != null).max(Comparator.comparingDouble(p -> p.figures().gold())).ifPresent(p ->
                h.append("<p id=\"winner\"><b>").append(Html.escape(p.algorithm())).append("</b> (β ").append(fmt(p.beta()))
                        .append(") reaches the highest ").append(Html.escape(goldName)).append(", ").append(fmt(p.figures().gold()))
                        .append(", at KL ").append(fmt(p.figures().kl())).append(".</p>\n"));
    }

    private static String row(String name, String beta, Figures f) {
        return "<tr><td>" + Html.escape(name) + "</td><td>" + beta + "</td><td>" + fmt(f.gold()) + "</td><td>" + fmt(f.kl()) + "</td><td>"
                + fmt(f.proxy()) + "</td></tr>\n";
    }

    private static void speed(StringBuilder h, Path out, CompareStage.Result r) throws IOException {
        Map<String, double[]> by = new LinkedHashMap<>();                  // seconds, tokens, iterations
        for (Point p : r.points()) {
            double[] s = by.computeIfAbsent(p.algorithm(), a -> new double[3]);
            s[0] += p.cost().seconds();
            s[1] += p.cost().tokensPerSecond() * p.cost().seconds();
            s[2] += p.cost().iterations();
        }
        Map<String, Double> tps = new LinkedHashMap<>();
        by.forEach((a, s) -> tps.put(a, s[1] / s[0]));
        section(h, out, "Wall time and tokens per second", SPEED, Plots.bars("training throughput", "tokens / s (see below)", tps));
        h.append("<p>Seconds of the training iterations (evaluation apart). Tokens per second: completion tokens sampled per second of "
                + "whole iterations; for DPO, which samples nothing, the prompt and completion tokens of its pairs forwarded per second.</p>\n");
        h.append("<table><tr><th>algorithm</th><th>runs</th><th>iterations (DPO: steps)</th><th>training seconds</th><th>seconds / iteration</th>"
                + "<th>tokens / s</th></tr>\n");
        by.forEach((a, s) -> h.append("<tr><td>").append(Html.escape(a)).append("</td><td>")
                .append(r.points().stream().filter(p -> p.algorithm().equals(a)).count()).append("</td><td>").append((int) s[2])
                .append("</td><td>").append(fmt(s[0])).append("</td><td>").append(fmt(s[0] / Math.max(1, s[2]))).append("</td><td>")
                .append(fmt(s[1] / s[0])).append("</td></tr>\n"));
        h.append("</table>\n");
    }

    private static void table(StringBuilder h, CompareStage.Result r) {
        h.append("<h2>Every setting</h2>\n<table><tr><th>algorithm</th><th>β</th><th>KL</th><th>proxy</th><th>gold</th><th>distinct-1</th>"
                + "<th>distinct-2</th><th>entropy</th><th>iterations</th><th>seconds</th><th>tokens / s</th></tr>\n");
        List<Point> rows = new ArrayList<>(r.points());
        if (r.reference() != null) rows.addFirst(new Point("reference", Double.POSITIVE_INFINITY, r.reference().figures(),
                new CompareStage.Cost(0, Double.NaN, Double.NaN), List.of()));
        for (Point p : rows) {
            Figures f = p.figures();
            h.append("<tr><td>").append(Html.escape(p.algorithm())).append("</td>");
            for (double v : new double[]{p.beta(), f.kl(), f.proxy(), f.gold(), f.distinct1(), f.distinct2(), f.entropy()})
                h.append("<td>").append(Double.isInfinite(v) ? "—" : fmt(v)).append("</td>");
            h.append("<td>").append(p.cost().iterations() == 0 ? "—" : Integer.toString(p.cost().iterations())).append("</td><td>")
                    .append(fmt(p.cost().seconds())).append("</td><td>").append(fmt(p.cost().tokensPerSecond())).append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    /** The first held-out prompts: the reference's completion, then each algorithm's best setting's (else its lowest-KL one). */
    private void samples(StringBuilder h, CompareStage.Result r) {
        if (r.reference() == null || cfg.samplesShown() == 0) return;
        if (!showSamples) {
            h.append("<h2>Samples side by side</h2>\n<p>Hidden: they may be offensive (the pipeline's eval.show_samples is false; "
                    + "each run's eval/result.json has them).</p>\n");
            return;
        }
        Map<String, Point> best = bestWithin(r.points(), cfg.klBudget()), shown = new LinkedHashMap<>();
        for (Point p : r.points()) {
            Point b = best.get(p.algorithm()), s = shown.get(p.algorithm());
            if (b != null) shown.put(p.algorithm(), b);
            else if (s == null || p.figures().kl() < s.figures().kl()) shown.put(p.algorithm(), p);      // none within: the closest
        }
        h.append("<h2>Samples side by side</h2>\n<table><tr><th>prompt</th><th>reference</th>");
        shown.values().forEach(p -> h.append("<th>").append(Html.escape(p.algorithm())).append(" (β ").append(fmt(p.beta())).append(")</th>"));
        h.append("</tr>\n");
        for (int i = 0; i < r.reference().prompts().size(); i++) {
            h.append("<tr><td class=t>").append(Html.escape(r.reference().prompts().get(i))).append("</td><td class=t>")
                    .append(Html.escape(r.reference().samples().get(i))).append("</td>");
            for (Point p : shown.values())
                h.append("<td class=t>").append(Html.escape(i < p.samples().size() ? p.samples().get(i) : "")).append("</td>");
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) return "—";
        return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.0f" : Math.abs(v) >= 1 ? "%.2f" : "%.3f", v);
    }
}
