package rlhf4j.rlhf.compare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.rlhf.eval.Evaluation;
import rlhf4j.rlhf.pipeline.ConfigException;
import rlhf4j.rlhf.report.Html;
import rlhf4j.rlhf.pipeline.Pipeline;
import rlhf4j.rlhf.pipeline.PipelineConfig;

class CompareStageTest {
    @TempDir Path dir;

    /** PipelineTest's tiny stories260K run (8 training, 4 held-out prompts), two iterations of each algorithm. */
    static Path tinyCompare(Path dir) throws Exception {
        Files.writeString(dir.resolve("tiny.json"), """
                {"name": "tiny", "seed": 3,
                 "prompts": {"source": "tinystories", "train": 8, "eval": 4},
                 "sampling": {"k": 3, "max_new_tokens": 6, "batch_size": 12},
                 "labelers": {"oracle": "vader", "temperatures": [0.01, 0.05], "criterion": "sentiment"},
                 "reward_model": {"epochs": 1, "lr": 1e-3, "groups_per_batch": 4, "held_out_percent": 25, "max_length": 32},
                 "ppo": {"iterations": 2, "batch_size": 4, "minibatches": 2, "epochs": 1, "max_new_tokens": 6, "lr": 1e-3},
                 "eval": {"gold": "afinn", "max_new_tokens": 6}}
                """);
        Path f = dir.resolve("compare.json");
        Files.writeString(f, """
                {"name": "tiny <comparison>", "note": "two iterations each", "pipeline": "tiny.json",
                 "overrides": {"grpo": {"iterations": 2, "prompts_per_iteration": 2, "group_size": 2, "minibatches": 2, "epochs": 1,
                                        "max_new_tokens": 6, "lr": 1e-3},
                               "rloo": {"iterations": 2, "prompts_per_iteration": 2, "group_size": 2, "minibatches": 2, "epochs": 1,
                                        "max_new_tokens": 6, "lr": 1e-3},
                               "dpo": {"epochs": 1, "groups_per_batch": 4, "lr": 1e-3, "max_completion_tokens": 6}},
                 "algorithms": {"ppo": [0.05, 0.5], "grpo": [0.04], "rloo": [0.04], "dpo": [0.1]},
                 "kl_budget": 6, "samples_shown": 2}
                """);
        return f;
    }

    @Test void writesTheReportWithEverySectionAndResumes() throws Exception {
        CompareConfig cfg = CompareConfig.load(tinyCompare(dir));
        assertEquals(5, cfg.runs());
        Path out = dir.resolve("out");
        CompareStage.Result r = new CompareStage(cfg, null).run(out, false);
        assertEquals(List.of("ppo", "ppo", "grpo", "rloo", "dpo"), r.points().stream().map(CompareStage.Point::algorithm).toList());
        assertEquals(0.5, r.points().get(1).beta());
        CompareStage.Point dpo = r.points().getLast();
        assertEquals(2, dpo.cost().iterations(), "8 groups, 4 a step, one epoch");
        assertTrue(dpo.cost().tokensPerSecond() > 0, "DPO's forwarded tokens per second");
        assertTrue(Files.readString(out.resolve("runs/dpo-beta-0.1/train/config.json")).contains("0.1"));
        for (CompareStage.Point p : r.points()) {
            if (p == dpo) continue;
            assertEquals(2, p.cost().iterations());
            assertTrue(p.cost().seconds() > 0 && p.cost().tokensPerSecond() > 0, p.toString());
        }
        for (CompareStage.Point p : r.points()) {
            assertTrue(Double.isFinite(p.figures().gold()) && Double.isFinite(p.figures().kl()), p.toString());
            assertEquals(2, p.samples().size());
        }
        assertEquals(0.0, r.reference().figures().kl());
        // the figures are the evaluation's: gold after of the first setting
        JsonObject eval = JsonParser.parseString(Files.readString(out.resolve("runs/ppo-beta-0.05/eval/result.json"))).getAsJsonObject();
        assertEquals(eval.getAsJsonObject("trained").getAsJsonObject("gold").get("mean").getAsDouble(), r.points().getFirst().figures().gold(), 1e-12);
        assertTrue(Files.isRegularFile(out.resolve("runs/grpo-beta-0.04/train/policy/config.json")));

        String html = Files.readString(out.resolve(CompareStage.REPORT));
        for (String section : List.of("Gold score against KL to the reference", "Proxy reward against gold score", "Diversity against KL",
                "Wall time and tokens per second", "Every setting", "Samples side by side", "Best gold score at KL ≤ 6"))
            assertTrue(html.contains(section), "the report lacks " + section);
        assertTrue(html.contains("tiny &lt;comparison&gt;"), "text is escaped");
        assertEquals(4, html.split("data:image/png;base64,", -1).length - 1, "four plots embedded");
        for (String png : List.of(CompareReport.FRONTIER, CompareReport.PROXY, CompareReport.DIVERSITY, CompareReport.SPEED)) {
            byte[] b = Files.readAllBytes(out.resolve(png));
            assertArrayEquals(new byte[]{(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(b, 4), png);
        }
        assertTrue(html.contains(r.reference().samples().getFirst().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;").replace("'", "&#39;")), "the reference's first sample is shown");

        // a resume keeps every finished setting: nothing is trained again
        Path point = out.resolve("runs/rloo-beta-0.04/train/metrics.jsonl");
        FileTime before = Files.getLastModifiedTime(point);
        CompareStage.Result again = new CompareStage(cfg, null).run(out, true);
        assertEquals(before, Files.getLastModifiedTime(point));
        assertEquals(r.points(), again.points());
        // with eval.show_samples false no completion appears in the report
        JsonObject hidden = JsonParser.parseString(Files.readString(dir.resolve("compare.json"))).getAsJsonObject();
        hidden.getAsJsonObject("overrides").add("eval", JsonParser.parseString("{\"show_samples\": false}"));
        new CompareStage(CompareConfig.parse(hidden, "hidden.json", dir), null).run(out, true);
        String hiddenHtml = Files.readString(out.resolve(CompareStage.REPORT));
        assertTrue(hiddenHtml.contains("Hidden: they may be offensive"));
        for (CompareStage.Point p : r.points()) for (String sample : p.samples())
            if (sample.strip().length() > 12) assertFalse(hiddenHtml.contains(Html.escape(sample)), sample);
        // a setting whose training settings changed is trained again on resume, the others are kept
        JsonObject changed = JsonParser.parseString(Files.readString(dir.resolve("compare.json"))).getAsJsonObject();
        changed.getAsJsonObject("overrides").getAsJsonObject("rloo").addProperty("lr", 2e-3);
        CompareConfig cfg2 = CompareConfig.parse(changed, "changed.json", dir);
        Path grpoPoint = out.resolve("runs/grpo-beta-0.04/train/metrics.jsonl");
        FileTime grpoBefore = Files.getLastModifiedTime(grpoPoint);
        new CompareStage(cfg2, null).run(out, true);
        assertEquals(grpoBefore, Files.getLastModifiedTime(grpoPoint));
        assertTrue(Files.readString(out.resolve("runs/rloo-beta-0.04/" + CompareStage.SETTINGS)).contains("0.002"));
        // without --resume an existing output is refused
        assertThrows(IllegalArgumentException.class, () -> new CompareStage(cfg, null).run(out, false));
    }

    @Test void bestWithinTheBudgetIgnoresSettingsPastIt() {
        var f = (java.util.function.BiFunction<Double, Double, CompareStage.Figures>) (kl, gold) -> new CompareStage.Figures(kl, 0, gold, 0, 0, 0);
        var cost = new CompareStage.Cost(1, 1, 1);
        List<CompareStage.Point> points = List.of(new CompareStage.Point("ppo", 0.1, f.apply(8.0, 0.9), cost, List.of()),
                new CompareStage.Point("ppo", 0.3, f.apply(5.0, 0.4), cost, List.of()),
                new CompareStage.Point("grpo", 0.0, f.apply(9.0, 0.8), cost, List.of()));
        Map<String, CompareStage.Point> best = CompareReport.bestWithin(points, 6);
        assertEquals(0.3, best.get("ppo").beta());
        assertTrue(best.containsKey("grpo") && best.get("grpo") == null);
    }

    @Test void theGoldIsTheOracleElseTheFirstHeldOutJudge() throws Exception {
        var sentiment = PipelineConfig.parse(JsonParser.parseString(Pipeline.demoConfigText("sentiment")).getAsJsonObject(), "s", null);
        assertEquals(new CompareStage.Gold("gold score (afinn)", null, false, -1), CompareStage.Gold.of(sentiment));
        var detox = PipelineConfig.parse(JsonParser.parseString(Pipeline.demoConfigText("detox")).getAsJsonObject(), "d", null);
        CompareStage.Gold g = CompareStage.Gold.of(detox);
        assertEquals("davidson", g.judge(), "the Davidson classifier, not the TweetEval reward's own P(hate)");
        assertTrue(g.flip() && g.name().contains("1 - P(hate)"), g.name());
        var side = new Evaluation.Side("x", new Evaluation.MeanStd(0, 0), null, new Evaluation.MeanStd(0.9, 0), new Evaluation.MeanStd(3, 0), 5, null, null);
        var r = new Evaluation.Result(side, side, 0.5, "x", List.of(), new java.util.LinkedHashMap<>(Map.of(
                "classifier:judge:hate", new Evaluation.Judged(new Evaluation.MeanStd(0.3, 0), new Evaluation.MeanStd(0.1, 0)))));
        assertEquals(0.9, g.of(r, false), 1e-12);
        assertEquals(0.7, g.of(r, true), 1e-12);
        var judges = new java.util.LinkedHashMap<String, Evaluation.Judged>(r.judges());
        judges.put("classifier:judge:neither", new Evaluation.Judged(new Evaluation.MeanStd(0.2, 0), new Evaluation.MeanStd(0.35, 0)));
        var r2 = new Evaluation.Result(side, side, 0.5, "x", List.of(), judges);
        CompareStage.Gold neither = CompareStage.Gold.of(detox, "davidson:neither");
        assertEquals(1, neither.index());
        assertEquals(0.35, neither.of(r2, false), 1e-12, "P(neither) as it is");
        assertEquals(0.2, neither.of(r2, true), 1e-12);
    }

    @Test void badConfigsNameTheField() throws Exception {
        Path f = tinyCompare(dir);
        JsonObject o = JsonParser.parseString(Files.readString(f)).getAsJsonObject();
        o.add("algorithms", JsonParser.parseString("{\"a2c\": [0.1]}"));
        ConfigException e = assertThrows(ConfigException.class, () -> CompareConfig.parse(o, "c.json", dir));
        assertTrue(e.getMessage().contains("field 'algorithms.a2c'"), e.getMessage());
        o.add("algorithms", JsonParser.parseString("{\"ppo\": [-1]}"));
        e = assertThrows(ConfigException.class, () -> CompareConfig.parse(o, "c.json", dir));
        assertTrue(e.getMessage().contains("field 'algorithms.ppo'"), e.getMessage());
        o.add("algorithms", JsonParser.parseString("{\"ppo\": [0.1]}"));
        o.add("overrides", JsonParser.parseString("{\"ppo\": {\"lr\": \"fast\"}}"));
        e = assertThrows(ConfigException.class, () -> CompareConfig.parse(o, "c.json", dir));
        assertTrue(e.getMessage().contains("field 'ppo.lr'"), e.getMessage());
        o.remove("overrides");
        o.addProperty("gold_judge", "davidson");
        e = assertThrows(ConfigException.class, () -> CompareConfig.parse(o, "c.json", dir));
        assertTrue(e.getMessage().contains("field 'gold_judge'"), e.getMessage());
        o.remove("gold_judge");
        o.addProperty("klbudget", 3);
        e = assertThrows(ConfigException.class, () -> CompareConfig.parse(o, "c.json", dir));
        assertTrue(e.getMessage().contains("field 'klbudget'"), e.getMessage());
    }

    @Test void theBuiltInConfigsParse() throws Exception {
        for (String task : List.of("sentiment", "detox")) {
            try (var in = getClass().getResourceAsStream("/rlhf4j/pipeline/compare-" + task + ".json")) {
                CompareConfig c = CompareConfig.parse(JsonParser.parseString(new String(in.readAllBytes())).getAsJsonObject(), task, null);
                assertTrue(c.runs() >= 6, task);
                assertTrue(c.note().contains("minutes"), "the config says what its budgets are for");
            }
        }
    }
}
