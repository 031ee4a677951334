package rlhf4j.rlhf.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.rlhf.feedback.Jsonl;
import rlhf4j.rlhf.data.PromptSource;
import rlhf4j.rlhf.oracle.Afinn;

class PipelineTest {
    /** A tiny run of stories260K: 8 training and 4 held-out TinyStories prompts, VADER labelers, AFINN gold. */
    static Path tinyConfig(Path dir) throws Exception {
        String json = """
                {
                  "name": "tiny",
                  "seed": 3,
                  "prompts": {"source": "tinystories", "train": 8, "eval": 4},
                  "sampling": {"k": 3, "max_new_tokens": 6, "batch_size": 12},
                  "labelers": {"oracle": "vader", "temperatures": [0.01, 0.05], "criterion": "sentiment"},
                  "reward_model": {"epochs": 1, "lr": 1e-3, "groups_per_batch": 4, "held_out_percent": 25, "max_length": 32},
                  "ppo": {"iterations": 2, "batch_size": 4, "minibatches": 2, "epochs": 1, "max_new_tokens": 6, "lr": 1e-3},
                  "eval": {"gold": "afinn", "max_new_tokens": 6}
                }
                """;
        Path f = dir.resolve("tiny.json");
        Files.writeString(f, json);
        return f;
    }

    @Test void tinyPipelineRunsEndToEndAndARerunSkipsEveryStage(@TempDir Path dir) throws Exception {
        Path configFile = tinyConfig(dir);
        PipelineConfig cfg = PipelineConfig.load(configFile);
        assertTrue(cfg.policy().checkpoint().endsWith(Path.of("stories260k", "stories260K.bin")));
        Path run = dir.resolve("run");
        Pipeline first = new Pipeline(cfg, Files.readString(configFile), run, null);
        first.run();
        List<String> stages = List.of("samples", "labels", "pairs", "rm", "ppo", "eval", "report");
        assertEquals(stages, first.stageNames());
        assertTrue(first.results().stream().noneMatch(Pipeline.StageResult::skipped));

        // every stage's output is there
        var completions = Jsonl.read(run.resolve("samples").resolve(FeedbackData.COMPLETIONS_FILE), FeedbackJson.COMPLETION);
        assertEquals(8 * 3, completions.size());
        var judgements = Jsonl.read(run.resolve("labels").resolve(FeedbackData.JUDGEMENTS_FILE), FeedbackJson.JUDGEMENT);
        assertEquals(8 * 2, judgements.size());                                 // two labelers judge every prompt
        for (String f : List.of("pairs/groups.jsonl", "rm/metrics.json", "rm/model.json", "ppo/summary.json", "ppo/metrics.jsonl",
                "ppo/policy/config.json", "eval/result.json", "report.html", "summary.json", "config.json", "labels/agreement.txt"))
            assertTrue(Files.isRegularFile(run.resolve(f)), f);
        // the held-out prompts are the 4 after the 8 training ones
        var evalPrompts = Jsonl.read(run.resolve("samples").resolve("eval_prompts.jsonl"), FeedbackJson.PROMPT);
        List<String> all = new PromptSource("tinystories", 8).texts();
        assertEquals(all.subList(8, 12), evalPrompts.stream().map(p -> p.text()).toList());

        JsonObject summary = JsonParser.parseString(Files.readString(run.resolve("summary.json"))).getAsJsonObject();
        for (String field : List.of("reward_before", "reward_after", "gold_before", "gold_after", "kl_after", "rm_val_accuracy",
                "agreement_pairwise", "fleiss_kappa", "iterations", "wall_seconds"))
            assertFalse(summary.get(field).isJsonNull(), field + " is null in " + summary);
        assertEquals(2, summary.get("iterations").getAsInt());
        double agreement = summary.get("agreement_pairwise").getAsDouble();
        assertTrue(agreement > 0 && agreement <= 1, "agreement " + agreement);
        // gold before is the oracle's mean over the reference completions the evaluation wrote
        var eval = first.evaluation();
        double mean = 0;
        for (var row : eval.samples()) mean += Afinn.load().score(row.reference());
        assertEquals(mean / eval.samples().size(), summary.get("gold_before").getAsDouble(), 1e-5);

        // a rerun skips every stage: nothing runs, no marker or output is rewritten
        Map<String, FileTime> before = new HashMap<>();
        for (String s : stages) before.put(s, Files.getLastModifiedTime(Pipeline.marker(run, s)));
        FileTime summaryTime = Files.getLastModifiedTime(run.resolve("summary.json"));
        Pipeline second = new Pipeline(cfg, Files.readString(configFile), run, null);
        second.run();
        assertTrue(second.results().stream().allMatch(Pipeline.StageResult::skipped), second.results().toString());
        for (String s : stages) assertEquals(before.get(s), Files.getLastModifiedTime(Pipeline.marker(run, s)), s);
        assertEquals(summaryTime, Files.getLastModifiedTime(run.resolve("summary.json")));
        String log = Files.readString(run.resolve(Pipeline.STAGES_LOG));
        for (String s : stages) {
            assertEquals(1, count(log, " " + s + " finished in "), log);
            assertEquals(1, count(log, " " + s + " skipped"), log);
        }

        // a stage without its marker (interrupted) runs again; the finished ones before it stay skipped
        Files.delete(Pipeline.marker(run, "report"));
        Pipeline third = new Pipeline(cfg, Files.readString(configFile), run, null);
        third.run();
        assertEquals(List.of(true, true, true, true, true, true, false), third.results().stream().map(Pipeline.StageResult::skipped).toList());
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) n++;
        return n;
    }

    @Test void algorithmGrpoOrDpoTrainsWithItAndTheRestIsUnchanged(@TempDir Path dir) throws Exception {
        JsonObject json = JsonParser.parseString(Files.readString(tinyConfig(dir))).getAsJsonObject();
        json.addProperty("algorithm", "grpo");
        json.add("grpo", JsonParser.parseString("""
                {"iterations": 2, "prompts_per_iteration": 2, "group_size": 2, "minibatches": 2, "epochs": 1, "max_new_tokens": 6,
                 "lr": 1e-3, "beta": 0.1, "variant": "dr-grpo"}""").getAsJsonObject());
        PipelineConfig cfg = PipelineConfig.parse(json, "grpo.json", dir);
        assertEquals("grpo", cfg.training().algorithm());
        assertEquals(rlhf4j.rlhf.grpo.Baseline.DR_GRPO, cfg.training().grpo().objective().baseline());
        assertEquals(0.1, cfg.training().grpo().objective().beta());
        Path run = dir.resolve("run");
        Pipeline p = new Pipeline(cfg, json.toString(), run, null);
        p.run();
        assertEquals(List.of("samples", "labels", "pairs", "rm", "grpo", "eval", "report"), p.stageNames());
        for (String f : List.of("grpo/metrics.jsonl", "grpo/policy/config.json", "grpo/config.json", "eval/result.json", "report.html"))
            assertTrue(Files.isRegularFile(run.resolve(f)), f);
        assertFalse(Files.exists(run.resolve("ppo")));
        assertTrue(Files.readString(run.resolve("grpo/config.json")).contains("DR_GRPO"));
        JsonObject summary = JsonParser.parseString(Files.readString(run.resolve("summary.json"))).getAsJsonObject();
        assertEquals(2, summary.get("iterations").getAsInt());
        assertFalse(summary.get("gold_after").isJsonNull());

        json.addProperty("algorithm", "dpo");
        json.add("dpo", JsonParser.parseString("{\"epochs\": 1, \"groups_per_batch\": 4, \"beta\": 0.2, \"max_completion_tokens\": 6}").getAsJsonObject());
        Path dpoRun = dir.resolve("dpo-run");
        Pipeline d = new Pipeline(PipelineConfig.parse(json, "dpo.json", dir), json.toString(), dpoRun, null);
        d.run();
        assertEquals(List.of("samples", "labels", "pairs", "rm", "dpo", "eval", "report"), d.stageNames());
        assertTrue(Files.readString(dpoRun.resolve("dpo/config.json")).contains("0.2"));
        assertTrue(Files.isRegularFile(dpoRun.resolve("dpo/policy/config.json")));
        JsonObject dpoSummary = JsonParser.parseString(Files.readString(dpoRun.resolve("summary.json"))).getAsJsonObject();
        assertFalse(dpoSummary.get("gold_after").isJsonNull());
        assertTrue(dpoSummary.get("kl_after").getAsDouble() != 0, "DPO moved the policy (k1 on 4 samples may be < 0): " + dpoSummary);
        JsonObject ngram = json.deepCopy();
        ngram.add("reward_model", JsonParser.parseString("{\"type\": \"ngram\"}"));
        ConfigException noPairs = assertThrows(ConfigException.class, () -> PipelineConfig.parse(ngram, "dpo.json", dir));
        assertTrue(noPairs.getMessage().contains("field 'algorithm'") && noPairs.getMessage().contains("pairwise"), noPairs.getMessage());

        json.addProperty("algorithm", "a2c");
        ConfigException e = assertThrows(ConfigException.class, () -> PipelineConfig.parse(json, "grpo.json", dir));
        assertTrue(e.getMessage().contains("field 'algorithm'") && e.getMessage().contains("ppo, grpo, rloo, dpo"), e.getMessage());
        json.addProperty("algorithm", "rloo");
        json.add("rloo", JsonParser.parseString("{\"group_size\": 3, \"minibatches\": 5}").getAsJsonObject());
        e = assertThrows(ConfigException.class, () -> PipelineConfig.parse(json, "grpo.json", dir));
        assertTrue(e.getMessage().contains("field 'rloo.minibatches'"), e.getMessage());
    }

    @Test void malformedConfigsNameTheFileAndTheField(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.json");
        Files.writeString(f, "{\"ppo\": {\"lr\": \"fast\"}}");
        var e = assertThrows(ConfigException.class, () -> PipelineConfig.load(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("'ppo.lr'") && e.getMessage().contains("number"), e.getMessage());

        Files.writeString(f, "{\"ppo\": {\"iterations\": 2.5}}");
        e = assertThrows(ConfigException.class, () -> PipelineConfig.load(f));
        assertTrue(e.getMessage().contains("'ppo.iterations'") && e.getMessage().contains("whole number"), e.getMessage());

        Files.writeString(f, "{\"reward_model\": {\"epoch\": 2}}");                     // a typo
        e = assertThrows(ConfigException.class, () -> PipelineConfig.load(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("'reward_model.epoch'")
                && e.getMessage().contains("unknown field"), e.getMessage());

        Files.writeString(f, "{\"ppo\": {\"batch_size\": 6, \"minibatches\": 4}}");
        e = assertThrows(ConfigException.class, () -> PipelineConfig.load(f));
        assertTrue(e.getMessage().contains("'ppo.minibatches'"), e.getMessage());

        Files.writeString(f, "{\"labelers\": {\"temperatures\": [0.1, -1]}}");
        e = assertThrows(ConfigException.class, () -> PipelineConfig.load(f));
        assertTrue(e.getMessage().contains("'labelers.temperatures'"), e.getMessage());

        Files.writeString(f, "{\"ppo\": {\"lr\": 1e-4,}");                                  // not JSON
        e = assertThrows(ConfigException.class, () -> PipelineConfig.load(f));
        assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("not valid JSON"), e.getMessage());
    }

    @Test void defaultsAreTheStories260kSentimentSetUp() {
        PipelineConfig c = PipelineConfig.parse(new JsonObject(), "empty", null);
        assertTrue(c.policy().checkpoint().endsWith(Path.of("stories260k", "stories260K.bin")));
        assertTrue(c.policy().tokenizer().endsWith(Path.of("stories260k", "tok512.bin")));
        assertEquals("vader", c.labelers().oracle());
        assertEquals("afinn", c.eval().gold());
        assertNotNull(c.ppo());
    }

    @Test void theDemoConfigsParse() throws Exception {
        for (String task : List.of("sentiment", "detox")) {
            try (var in = Pipeline.class.getResourceAsStream("/rlhf4j/pipeline/demo-" + task + ".json")) {
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                PipelineConfig c = PipelineConfig.parse(JsonParser.parseString(text).getAsJsonObject(), task, null);
                assertEquals(task.equals("sentiment") ? "pairwise" : "ngram", c.rewardModel().type());
            }
        }
    }
}
