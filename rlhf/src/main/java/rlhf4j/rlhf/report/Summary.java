package rlhf4j.rlhf.report;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A run's headline numbers, {@code summary.json} (snake_case keys). Every field is nullable: PPO fills what it
 * knows (rewards, KL, iterations, time), evaluation adds gold scores, and the pipeline passes the reward model's
 * validation accuracy and the labelers' agreement. {@link #merge} combines them, later values winning.
 */
public record Summary(Double rewardBefore, Double rewardAfter, Double goldBefore, Double goldAfter, Double klAfter,
                      Double toxicityBefore, Double toxicityAfter, Double winRate, Double rmValAccuracy,
                      Double agreementPairwise, Double fleissKappa, Integer iterations, Double wallSeconds) {
    public static final String FILE = "summary.json";
    static final Gson GSON = new GsonBuilder().setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
            .serializeNulls().serializeSpecialFloatingPointValues().setPrettyPrinting().create();

    public static Summary empty() { return new Summary(null, null, null, null, null, null, null, null, null, null, null, null, null); }

    /** This summary with every non-null field of {@code o} taking over. */
    public Summary merge(Summary o) {
        return new Summary(pick(o.rewardBefore, rewardBefore), pick(o.rewardAfter, rewardAfter), pick(o.goldBefore, goldBefore),
                pick(o.goldAfter, goldAfter), pick(o.klAfter, klAfter), pick(o.toxicityBefore, toxicityBefore),
                pick(o.toxicityAfter, toxicityAfter), pick(o.winRate, winRate), pick(o.rmValAccuracy, rmValAccuracy),
                pick(o.agreementPairwise, agreementPairwise), pick(o.fleissKappa, fleissKappa), pick(o.iterations, iterations),
                pick(o.wallSeconds, wallSeconds));
    }

    private static <T> T pick(T a, T b) { return a != null ? a : b; }

    public String toJson() { return GSON.toJson(this); }

    public void write(Path runDir) throws IOException {
        rlhf4j.transformer.run.AtomicFiles.writeString(runDir.resolve(FILE), toJson() + "\n");   // never half a summary
    }

    /** The run directory's summary, or an empty one. */
    public static Summary read(Path runDir) throws IOException {
        Path f = runDir.resolve(FILE);
        if (!Files.exists(f)) return empty();
        return GSON.fromJson(Files.readString(f, StandardCharsets.UTF_8), Summary.class);
    }
}
