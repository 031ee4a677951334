package rlhf4j.transformer.train;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import rlhf4j.transformer.io.FileFormatException;

/**
 * The JSON side of a checkpoint ({@value TrainingCheckpoint#STATE_FILE}): where the run stands and how it was set
 * up. The data position is {@code batchesDrawn} (batches are a pure function of their number and the seed); the
 * learning rate follows from {@code step} and the schedule in {@code config}.
 *
 * @param step          optimizer steps taken
 * @param batchesDrawn  training micro-batches consumed (step × gradAccum)
 * @param bestValLoss   lowest validation loss so far (+∞ before the first evaluation; written as null)
 * @param lr            the learning rate of the last step taken
 * @param config        the run's hyperparameters, seed included
 * @param dropoutCalls  each dropout module's mask counter
 * @param run           free-form facts about the run (command, data file, tokenizer), for resuming and for people
 */
public record TrainerState(int step, long batchesDrawn, double bestValLoss, double lr, TrainConfig config,
                           Map<String, Long> dropoutCalls, Map<String, String> run) {

    public TrainerState {
        dropoutCalls = Map.copyOf(dropoutCalls);
        run = Map.copyOf(run);
    }

    public String toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("step", step);
        o.addProperty("batches_drawn", batchesDrawn);
        if (Double.isFinite(bestValLoss)) o.addProperty("best_val_loss", bestValLoss);
        o.addProperty("lr", lr);
        JsonObject c = new JsonObject();
        c.addProperty("batch_size", config.batchSize());
        c.addProperty("block_size", config.blockSize());
        c.addProperty("grad_accum", config.gradAccum());
        c.addProperty("iters", config.iters());
        c.addProperty("lr", config.lr());
        c.addProperty("min_lr", config.minLr());
        c.addProperty("warmup", config.warmup());
        c.addProperty("lr_decay_iters", config.lrDecayIters());
        c.addProperty("weight_decay", config.weightDecay());
        c.addProperty("beta1", config.beta1());
        c.addProperty("beta2", config.beta2());
        c.addProperty("grad_clip", config.gradClip());
        c.addProperty("eval_interval", config.evalInterval());
        c.addProperty("eval_iters", config.evalIters());
        c.addProperty("seed", config.seed());
        o.add("config", c);
        JsonObject d = new JsonObject();
        new java.util.TreeMap<>(dropoutCalls).forEach(d::addProperty);
        o.add("dropout_calls", d);
        JsonObject r = new JsonObject();
        new java.util.TreeMap<>(run).forEach(r::addProperty);
        o.add("run", r);
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(o) + "\n";
    }

    public void write(Path file) throws IOException { Files.writeString(file, toJson(), StandardCharsets.UTF_8); }

    /** Reads the file; anything missing or mistyped is an error naming the file and the field. */
    public static TrainerState read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new FileFormatException(file, "missing: not a training checkpoint (no trainer state)");
        String field = "(the file)";
        try {
            JsonObject o = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
            field = "config";
            JsonObject c = o.getAsJsonObject(field);
            if (c == null) throw new IllegalArgumentException("missing");
            TrainConfig config = new TrainConfig(c.get(field = "batch_size").getAsInt(), c.get(field = "block_size").getAsInt(),
                    c.get(field = "grad_accum").getAsInt(), c.get(field = "iters").getAsInt(), c.get(field = "lr").getAsDouble(),
                    c.get(field = "min_lr").getAsDouble(), c.get(field = "warmup").getAsInt(),
                    c.get(field = "lr_decay_iters").getAsInt(), c.get(field = "weight_decay").getAsDouble(),
                    c.get(field = "beta1").getAsDouble(), c.get(field = "beta2").getAsDouble(),
                    c.get(field = "grad_clip").getAsDouble(), c.get(field = "eval_interval").getAsInt(),
                    c.get(field = "eval_iters").getAsInt(), c.get(field = "seed").getAsLong());
            Map<String, Long> dropout = new LinkedHashMap<>();
            field = "dropout_calls";
            for (var e : o.getAsJsonObject(field).entrySet()) dropout.put(e.getKey(), e.getValue().getAsLong());
            Map<String, String> run = new LinkedHashMap<>();
            field = "run";
            if (o.has(field)) for (var e : o.getAsJsonObject(field).entrySet()) run.put(e.getKey(), e.getValue().getAsString());
            JsonElement best = o.get("best_val_loss");
            return new TrainerState(o.get(field = "step").getAsInt(), o.get(field = "batches_drawn").getAsLong(),
                    best == null || best.isJsonNull() ? Double.POSITIVE_INFINITY : best.getAsDouble(),
                    o.get(field = "lr").getAsDouble(), config, dropout, run);
        } catch (RuntimeException e) {   // bad JSON, a missing field (null), a wrong type, a nonsensical config
            throw new FileFormatException(file, "bad or missing \"" + field + "\": " + e, e);
        }
    }
}
