package rlhf4j.rlhf.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG charts (XChart, rendered off-screen) for the run report. */
public final class Plots {
    static {
        System.setProperty("java.awt.headless", "true");       // no display needed to draw into an image
    }

    public static final int WIDTH = 560, HEIGHT = 340;
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728)};

    private Plots() {}

    /** A line over iterations; points where y is NaN are left out. */
    public static byte[] line(String title, String yLabel, double[] x, double[] y) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("iteration").yAxisTitle(yLabel).build();
        style(chart.getStyler());
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setDecimalPattern("#,##0.###");
        List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
        for (int i = 0; i < x.length; i++) if (Double.isFinite(y[i])) { xs.add(x[i]); ys.add(y[i]); }
        if (xs.isEmpty()) { xs.add(0.0); ys.add(0.0); }
        XYSeries s = chart.addSeries(yLabel, xs, ys);
        s.setMarker(xs.size() <= 60 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        s.setLineStyle(new BasicStroke(2f));
        return png(chart);
    }

    /**
     * One line with markers per named series of (x, y) points, each drawn in x order (e.g. gold score against KL, one
     * curve per algorithm); points with a non-finite coordinate are left out.
     */
    public static byte[] curves(String title, String xLabel, String yLabel, Map<String, double[][]> series) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        style(chart.getStyler());
        chart.getStyler().setDecimalPattern("#,##0.###");
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            List<double[]> points = new ArrayList<>();
            for (double[] p : e.getValue()) if (Double.isFinite(p[0]) && Double.isFinite(p[1])) points.add(p);
            if (points.isEmpty()) continue;
            points.sort((a, b) -> Double.compare(a[0], b[0]));
            XYSeries s = chart.addSeries(e.getKey(), points.stream().map(p -> p[0]).toList(), points.stream().map(p -> p[1]).toList());
            s.setMarker(SeriesMarkers.CIRCLE);
            s.setLineStyle(new BasicStroke(2f));
        }
        if (chart.getSeriesMap().isEmpty()) chart.addSeries("none", List.of(0.0), List.of(0.0));
        return png(chart);
    }

    /** A bar per category (e.g. tokens per second per algorithm). */
    public static byte[] bars(String title, String yLabel, Map<String, Double> values) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).yAxisTitle(yLabel).build();
        style(chart.getStyler());
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setDecimalPattern("#,##0.#");
        List<String> names = new ArrayList<>(values.keySet());
        List<Double> ys = new ArrayList<>();
        for (String n : names) ys.add(Double.isFinite(values.get(n)) ? values.get(n) : 0.0);
        if (names.isEmpty()) { names.add("none"); ys.add(0.0); }
        chart.addSeries(yLabel, names, ys);
        return png(chart);
    }

    /** Overlapping histograms of two samples on the same bins (e.g. rewards before and after training). */
    public static byte[] histograms(String title, String xLabel, String nameA, float[] a, String nameB, float[] b, int bins) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (float[] arr : new float[][]{a, b}) for (float v : arr) if (Float.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        if (!(lo < hi)) { lo = Double.isFinite(lo) ? lo - 0.5 : 0; hi = lo + 1; }
        List<String> labels = new ArrayList<>();
        double w = (hi - lo) / bins;
        for (int i = 0; i < bins; i++) labels.add(String.format(Locale.ROOT, "%.2f", lo + (i + 0.5) * w));
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xLabel)
                .yAxisTitle("fraction of samples").build();
        style(chart.getStyler());
        chart.getStyler().setOverlapped(true);
        chart.getStyler().setDecimalPattern("0.00");
        chart.getStyler().setAvailableSpaceFill(0.95);
        chart.getStyler().setXAxisLabelRotation(45);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setSeriesColors(new Color[]{new Color(31, 119, 180, 150), new Color(255, 127, 14, 150)});
        chart.addSeries(nameA, labels, counts(a, lo, w, bins));
        chart.addSeries(nameB, labels, counts(b, lo, w, bins));
        return png(chart);
    }

    /** Fraction of the finite values in each of the bins [lo + i·w, lo + (i+1)·w) (the last one closed). */
    static List<Double> counts(float[] x, double lo, double w, int bins) {
        double[] c = new double[bins];
        int n = 0;
        for (float v : x) {
            if (!Float.isFinite(v)) continue;
            c[Math.max(0, Math.min(bins - 1, (int) Math.floor((v - lo) / w)))]++;
            n++;
        }
        List<Double> out = new ArrayList<>();
        for (double v : c) out.add(n == 0 ? 0 : v / n);
        return out;
    }

    private static void style(Styler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setSeriesColors(COLORS);
        s.setAntiAlias(true);
        s.setChartTitleBoxVisible(false);
        s.setPlotBorderVisible(false);
    }

    static byte[] png(Chart<?, ?> chart) {
        try {
            return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An {@code <img>} with the PNG inline. */
    public static String imgTag(byte[] png, String alt) {
        return "<img alt=\"" + Html.escape(alt) + "\" src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(png) + "\">";
    }
}
