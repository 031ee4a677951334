package rlhf4j.rlhf.report;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.rlhf.ppo.IterationStats;

class RunReportTest {
    @TempDir Path dir;

    static IterationStats stats(int i) {
        return new IterationStats(i, new IterationStats.Score(0.1 * i, 0.05), new IterationStats.Kl(0.5 * i, 0.01 * i, 0.05),
                new IterationStats.Completions(12, 0.5, 2 - 0.1 * i, 1e-6), new IterationStats.Losses(-0.02, 1.0 / (i + 1), 0.2, 0.7),
                new IterationStats.Updates(8, 1.0, 1.3, 0.0, 0.1, 0.01), new IterationStats.Timings(1, 0.1, 0.2, 0.2, 2, 3.5, 40));
    }

    @Test void rendersPlotsAndEscapesUntrustedText() throws Exception {
        List<IterationStats> m = new ArrayList<>();
        for (int i = 0; i < 6; i++) m.add(stats(i));
        String evil = "<script>alert('x')</script> & \"quotes\"";
        RunReport.Content c = new RunReport.Content("run <1>", Summary.empty().merge(new Summary(0.1, 0.6, null, null, 2.5, null, null,
                0.7, null, null, null, 6, 21.0)), Map.of("reward", "oracle:<vader>"), m, new float[]{0, 0.1f, 0.2f},
                new float[]{0.5f, 0.6f, 0.9f}, List.of(new RunReport.SampleRow(evil, "before " + evil, "after", 0.1, 0.9)));
        Path f = RunReport.write(dir, c);
        String html = Files.readString(f);
        assertFalse(html.contains("<script>"), "model text must not become markup");
        assertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;"));
        assertTrue(html.contains("oracle:&lt;vader&gt;") && html.contains("<title>run &lt;1&gt;</title>"));
        // six training curves and one histogram, each a decodable PNG
        Matcher img = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
        int n = 0;
        while (img.find()) {
            byte[] png = Base64.getDecoder().decode(img.group(1));
            assertEquals((byte) 0x89, png[0]);
            assertEquals("PNG", new String(png, 1, 3));
            var image = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png));
            assertEquals(Plots.WIDTH, image.getWidth());
            n++;
        }
        assertEquals(7, n);
        assertTrue(html.contains("reward_before") && html.contains("0.6"));
    }

    @Test void summaryKeepsNullsAndMergesLaterValues() throws Exception {
        Summary a = new Summary(0.1, 0.2, null, null, 1.0, null, null, null, null, null, null, 10, 5.0);
        Summary b = new Summary(null, 0.3, 0.4, 0.5, null, null, null, 0.6, 0.8, null, null, null, null);
        Summary m = a.merge(b);
        m.write(dir);
        String json = Files.readString(dir.resolve(Summary.FILE));
        for (String k : List.of("reward_before", "reward_after", "gold_before", "gold_after", "kl_after", "rm_val_accuracy",
                "agreement_pairwise", "fleiss_kappa", "iterations", "wall_seconds"))
            assertTrue(json.contains("\"" + k + "\""), k + " missing in " + json);
        assertTrue(json.contains("\"fleiss_kappa\": null"));
        assertEquals(m, Summary.read(dir));
        assertEquals(0.3, m.rewardAfter());
        assertEquals(0.1, m.rewardBefore());
        assertEquals(0.8, m.rmValAccuracy());
    }

    @Test void histogramBinsCountFractions() {
        List<Double> c = Plots.counts(new float[]{0, 0.1f, 0.9f, 1, Float.NaN}, 0, 0.5, 2);
        assertEquals(List.of(0.5, 0.5), c);
    }
}
