package rlhf4j.rlhf.compare;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import rlhf4j.rlhf.pipeline.ConfigException;
import rlhf4j.rlhf.pipeline.Pipeline;
import rlhf4j.rlhf.pipeline.PipelineConfig;

/**
 * A comparison of training algorithms on one task: a pipeline config (a demo's, or a file) with overrides merged in,
 * and for each algorithm the KL coefficients β to train at. Read from JSON:
 * <pre>{@code
 * {"name": "...", "note": "why these budgets",
 *  "pipeline": "demo:sentiment",            // or demo:detox, or a pipeline config file (relative to this one)
 *  "overrides": {"prompts": {"train": 128}, "ppo": {"iterations": 12}},   // merged into it, object by object
 *  "algorithms": {"ppo": [0.05, 0.2], "grpo": [0.0, 0.04], "rloo": [0.04]},
 *  "kl_budget": 6, "samples_shown": 4,
 *  "gold_judge": "davidson:neither"}         // optional: one of the eval's judges as the gold axis
 * }</pre>
 * An unknown field, a wrong type or an algorithm the pipeline does not know is a {@link ConfigException} naming the
 * file and the field.
 *
 * @param name         the report's title
 * @param note         shown at the top of the report (e.g. what the budgets were chosen for)
 * @param pipeline     the merged pipeline config's JSON and where it came from
 * @param sweeps       each algorithm and its β values, in the file's order
 * @param judging      the KL budget, the samples shown and the gold judge
 */
public record CompareConfig(String name, String note, Source pipeline, List<Sweep> sweeps, Judging judging) {

    /**
     * @param klBudget     the KL (nats per completion) under which the report names the best gold score
     * @param samplesShown held-out prompts whose completions the report shows side by side
     * @param goldJudge    which of the eval's held-out judges is the gold axis (null: the gold oracle, else the first judge)
     */
    public record Judging(double klBudget, int samplesShown, String goldJudge) {}

    public double klBudget() { return judging.klBudget(); }

    public int samplesShown() { return judging.samplesShown(); }

    public String goldJudge() { return judging.goldJudge(); }

    /** The pipeline config as JSON (overrides merged) and what to call it in errors; base resolves its relative paths. */
    public record Source(JsonObject json, String name, Path base) {
        public PipelineConfig parse() { return PipelineConfig.parse(json.deepCopy(), name, base); }
    }

    /** One algorithm at several β (for DPO its β; for PPO the initial KL coefficient; for GRPO / RLOO the k3 weight). */
    public record Sweep(String algorithm, List<Double> betas) {}

    public static CompareConfig load(Path file) throws IOException {
        return parse(PipelineConfig.readObject(file, "compare config"), file.toString(), file.toAbsolutePath().getParent());
    }

    public static CompareConfig parse(JsonObject o, String source, Path base) {
        for (String key : o.keySet())
            if (!List.of("name", "note", "pipeline", "overrides", "algorithms", "kl_budget", "samples_shown", "gold_judge").contains(key))
                throw error(source, key, "unknown field (known: name, note, pipeline, overrides, algorithms, kl_budget, samples_shown, gold_judge)");
        String pipeline = string(o, "pipeline", null, source);
        if (pipeline == null) throw error(source, "pipeline", "missing: demo:sentiment, demo:detox or a pipeline config file");
        JsonObject json = pipelineJson(pipeline, source, base);
        if (o.has("overrides")) {
            if (!o.get("overrides").isJsonObject()) throw error(source, "overrides", "expected an object");
            merge(json, o.getAsJsonObject("overrides"));
        }
        Source src = new Source(json, source + " (pipeline " + pipeline + " with overrides)", base);
        PipelineConfig parsed = src.parse();                                // the merged config must be a valid pipeline config
        String goldJudge = string(o, "gold_judge", null, source);
        if (goldJudge != null && !parsed.eval().judges().contains(goldJudge))
            throw error(source, "gold_judge", "\"" + goldJudge + "\" is not one of the pipeline's eval.judges " + parsed.eval().judges());
        if (!o.has("algorithms") || !o.get("algorithms").isJsonObject()) throw error(source, "algorithms", "expected an object of algorithm -> [beta, ...]");
        List<Sweep> sweeps = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("algorithms").entrySet()) {
            String field = "algorithms." + e.getKey();
            if (!PipelineConfig.ALGORITHMS.contains(e.getKey()))
                throw error(source, field, "unknown algorithm (known: " + String.join(", ", PipelineConfig.ALGORITHMS) + ")");
            sweeps.add(new Sweep(e.getKey(), betas(e.getValue(), source, field)));
        }
        if (sweeps.isEmpty()) throw error(source, "algorithms", "needs at least one algorithm");
        double budget = number(o, "kl_budget", 6, source);
        if (!(budget > 0)) throw error(source, "kl_budget", "must be > 0");
        double shown = number(o, "samples_shown", 4, source);
        if (shown < 0 || shown != Math.rint(shown)) throw error(source, "samples_shown", "must be a whole number >= 0");
        return new CompareConfig(string(o, "name", "Algorithm comparison", source), string(o, "note", "", source), src, List.copyOf(sweeps),
                new Judging(budget, (int) shown, goldJudge));
    }

    private static JsonObject pipelineJson(String pipeline, String source, Path base) {
        try {
            if (pipeline.startsWith("demo:")) return JsonParser.parseString(Pipeline.demoConfigText(pipeline.substring(5))).getAsJsonObject();
            Path p = Path.of(pipeline);
            Path file = p.isAbsolute() || base == null ? p : base.resolve(p);
            if (!Files.isRegularFile(file)) throw error(source, "pipeline", "no such file " + file);
            return JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException | IllegalStateException | JsonParseException e) {
            throw error(source, "pipeline", e.getMessage());
        } catch (IllegalArgumentException e) {
            if (e instanceof ConfigException c) throw c;
            throw error(source, "pipeline", e.getMessage());
        }
    }

    /** Merges b into a: objects field by field, anything else replaced. */
    static void merge(JsonObject a, JsonObject b) {
        for (Map.Entry<String, JsonElement> e : b.entrySet()) {
            if (e.getValue().isJsonObject() && a.has(e.getKey()) && a.get(e.getKey()).isJsonObject())
                merge(a.getAsJsonObject(e.getKey()), e.getValue().getAsJsonObject());
            else a.add(e.getKey(), e.getValue().deepCopy());
        }
    }

    private static List<Double> betas(JsonElement e, String source, String field) {
        if (!e.isJsonArray() || e.getAsJsonArray().isEmpty()) throw error(source, field, "expected a non-empty array of β values");
        List<Double> out = new ArrayList<>();
        for (JsonElement v : (JsonArray) e) {
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber() || !(v.getAsDouble() >= 0) || Double.isInfinite(v.getAsDouble()))
                throw error(source, field, "expected numbers >= 0, got " + v);
            out.add(v.getAsDouble());
        }
        return List.copyOf(out);
    }

    private static String string(JsonObject o, String key, String dflt, String source) {
        if (!o.has(key)) return dflt;
        if (!o.get(key).isJsonPrimitive() || !o.get(key).getAsJsonPrimitive().isString()) throw error(source, key, "expected a string, got " + o.get(key));
        return o.get(key).getAsString();
    }

    private static double number(JsonObject o, String key, double dflt, String source) {
        if (!o.has(key)) return dflt;
        if (!o.get(key).isJsonPrimitive() || !o.get(key).getAsJsonPrimitive().isNumber()) throw error(source, key, "expected a number, got " + o.get(key));
        return o.get(key).getAsDouble();
    }

    private static ConfigException error(String source, String key, String problem) {
        return new ConfigException(source + ": field '" + key + "': " + problem);
    }

    /** Runs in the comparison: Σ over algorithms of their β values. */
    public int runs() { return sweeps.stream().mapToInt(s -> s.betas().size()).sum(); }
}
