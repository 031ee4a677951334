package rlhf4j.rlhf.ppo;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.annotations.SerializedName;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import rlhf4j.transformer.run.AtomicFiles;
import rlhf4j.transformer.run.JsonlLog;

/**
 * The files a run appends to, one JSON object per line and per iteration, each with an "iteration" field:
 * {@code metrics.jsonl} (with {@code metrics.csv} rewritten from it), {@code scores.jsonl} (every score of the
 * batch) and {@code samples.jsonl} (a few completions). On resume, lines of iterations after the checkpoint are
 * dropped, so the files read as if the run had never stopped; a torn last line ({@link JsonlLog}) is reported and
 * dropped rather than failing the resume.
 */
public final class RunLog {
    public static final String METRICS = "metrics.jsonl", METRICS_CSV = "metrics.csv", SCORES = "scores.jsonl",
            SAMPLES = "samples.jsonl";
    static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().disableHtmlEscaping().create();

    private final Path dir;
    private final Map<String, JsonlLog> logs = new LinkedHashMap<>();

    /** A run's logs; a torn last line (a crash or full disk mid-write) is reported on stderr and dropped. */
    public RunLog(Path dir) { this(dir, System.err::println); }

    /** @param warn where a dropped torn line is reported */
    public RunLog(Path dir, Consumer<String> warn) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String name : List.of(METRICS, SCORES, SAMPLES)) logs.put(name, new JsonlLog(dir.resolve(name), warn));
    }

    public Path dir() { return dir; }

    /** Appends one iteration's metrics (flattened: one field per figure) and rewrites the CSV. */
    public void appendMetrics(IterationStats s) {
        append(METRICS, GSON.toJson(flatten(s)));
        writeCsv();
    }

    /** The groups of the stats lifted into one object, each figure under its {@code @SerializedName}. */
    static JsonObject flatten(IterationStats s) {
        JsonObject out = new JsonObject();
        for (Map.Entry<String, JsonElement> e : GSON.toJsonTree(s).getAsJsonObject().entrySet()) {
            if (e.getValue().isJsonObject()) e.getValue().getAsJsonObject().entrySet().forEach(g -> out.add(g.getKey(), g.getValue()));
            else out.add(e.getKey(), e.getValue());
        }
        return out;
    }

    /** The inverse of {@link #flatten}: each group gathers the flat fields named by its components. */
    static IterationStats unflatten(JsonObject flat) {
        JsonObject nested = new JsonObject();
        for (RecordComponent c : IterationStats.class.getRecordComponents()) {
            if (!c.getType().isRecord()) {
                nested.add(c.getName(), flat.get(c.getName()));
                continue;
            }
            JsonObject group = new JsonObject();
            for (RecordComponent f : c.getType().getRecordComponents()) {
                SerializedName name = f.getAccessor().getAnnotation(SerializedName.class);
                String key = name == null ? f.getName() : name.value();
                if (flat.has(key)) group.add(key, flat.get(key));
            }
            nested.add(c.getName(), group);
        }
        return GSON.fromJson(nested, IterationStats.class);
    }

    public void appendScores(int iteration, float[] scores) {
        append(SCORES, GSON.toJson(Map.of("iteration", iteration, "scores", scores)));
    }

    /** One sample shown in reports. */
    public record Sample(int iteration, String prompt, String completion, double score) {}

    public void appendSamples(List<Sample> samples) {
        for (Sample s : samples) append(SAMPLES, GSON.toJson(s));
    }

    /** Every iteration's metrics so far. */
    public List<IterationStats> metrics() {
        List<IterationStats> out = new ArrayList<>();
        for (JsonObject o : logs.get(METRICS).read()) out.add(unflatten(o));
        return out;
    }

    /** The scores of the iteration given, or null. */
    public float[] scores(int iteration) {
        for (JsonObject o : logs.get(SCORES).read()) {
            if (o.get("iteration").getAsInt() == iteration) return GSON.fromJson(o.get("scores"), float[].class);
        }
        return null;
    }

    public List<Sample> samples() {
        List<Sample> out = new ArrayList<>();
        for (JsonObject o : logs.get(SAMPLES).read()) out.add(GSON.fromJson(o, Sample.class));
        return out;
    }

    /**
     * Drops every line whose iteration is {@code iterations} or later (a resume after that many iterations; 0 starts
     * the logs afresh). Every file is read and checked before any is rewritten, each atomically.
     */
    public void truncate(int iterations) {
        try {
            JsonlLog.truncate(List.copyOf(logs.values()), "iteration", iterations);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        writeCsv();
    }

    private void writeCsv() {
        StringBuilder csv = new StringBuilder();
        List<String> header = null;
        for (JsonObject o : logs.get(METRICS).read()) {
            if (header == null) {
                header = new ArrayList<>(o.keySet());
                csv.append(String.join(",", header)).append('\n');
            }
            List<String> cells = new ArrayList<>();
            for (String k : header) cells.add(o.has(k) ? o.get(k).getAsString() : "");
            csv.append(String.join(",", cells)).append('\n');
        }
        write(dir.resolve(METRICS_CSV), csv.toString());
    }

    private void append(String name, String line) { logs.get(name).append(line); }

    /** Derived files are replaced whole: a reader never sees half a CSV. */
    private static void write(Path f, String text) {
        try {
            AtomicFiles.writeString(f, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
