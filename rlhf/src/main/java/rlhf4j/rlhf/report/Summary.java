package rlhf4j.rlhf.report;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A run's headline numbers, {@code summary.json}: one flat JSON object with snake_case keys (reward_before,
 * reward_after, gold_before, gold_after, kl_after, toxicity_before, toxicity_after, win_rate, rm_val_accuracy,
 * agreement_pairwise, fleiss_kappa, iterations, wall_seconds). Every figure is nullable: PPO fills what it knows
 * (rewards, KL, iterations, time), evaluation adds gold scores and toxicity, and the report adds the reward model's
 * validation accuracy and the labelers' agreement. {@link #merge} combines them, later values winning.
 *
 * @param klAfter KL(trained ‖ reference) per completion, nats
 * @param winRate fraction of held-out prompts where the trained completion wins (ties ½)
 */
public record Summary(BeforeAfter reward, BeforeAfter gold, BeforeAfter toxicity, Double klAfter, Double winRate,
                      Feedback feedback, Run run) {
    public static final String FILE = "summary.json";
    static final Gson GSON = new GsonBuilder().serializeNulls().serializeSpecialFloatingPointValues().setPrettyPrinting().create();

    /** A figure of the policy before and after training. */
    public record BeforeAfter(Double before, Double after) {
        static final BeforeAfter NONE = new BeforeAfter(null, null);

        BeforeAfter merge(BeforeAfter o) { return new BeforeAfter(pick(o.before, before), pick(o.after, after)); }
    }

    /** The feedback's figures: reward-model validation accuracy, the labelers' pairwise agreement and Fleiss' κ. */
    public record Feedback(Double rmValAccuracy, Double agreementPairwise, Double fleissKappa) {
        public static final Feedback NONE = new Feedback(null, null, null);

        Feedback merge(Feedback o) {
            return new Feedback(pick(o.rmValAccuracy, rmValAccuracy), pick(o.agreementPairwise, agreementPairwise),
                    pick(o.fleissKappa, fleissKappa));
        }
    }

    /** PPO iterations run and the wall time in seconds. */
    public record Run(Integer iterations, Double wallSeconds) {
        public static final Run NONE = new Run(null, null);

        Run merge(Run o) { return new Run(pick(o.iterations, iterations), pick(o.wallSeconds, wallSeconds)); }
    }

    public Summary {
        reward = reward == null ? BeforeAfter.NONE : reward;
        gold = gold == null ? BeforeAfter.NONE : gold;
        toxicity = toxicity == null ? BeforeAfter.NONE : toxicity;
        feedback = feedback == null ? Feedback.NONE : feedback;
        run = run == null ? Run.NONE : run;
    }

    public static Summary empty() { return new Summary(null, null, null, null, null, null, null); }

    public Summary withReward(Double before, Double after) { return new Summary(new BeforeAfter(before, after), gold, toxicity, klAfter, winRate, feedback, run); }

    public Summary withGold(Double before, Double after) { return new Summary(reward, new BeforeAfter(before, after), toxicity, klAfter, winRate, feedback, run); }

    public Summary withToxicity(Double before, Double after) { return new Summary(reward, gold, new BeforeAfter(before, after), klAfter, winRate, feedback, run); }

    public Summary withKlAfter(Double kl) { return new Summary(reward, gold, toxicity, kl, winRate, feedback, run); }

    public Summary withWinRate(Double rate) { return new Summary(reward, gold, toxicity, klAfter, rate, feedback, run); }

    public Summary withFeedback(Feedback f) { return new Summary(reward, gold, toxicity, klAfter, winRate, f, run); }

    public Summary withRun(Run r) { return new Summary(reward, gold, toxicity, klAfter, winRate, feedback, r); }

    /** This summary with every non-null figure of {@code o} taking over. */
    public Summary merge(Summary o) {
        return new Summary(reward.merge(o.reward), gold.merge(o.gold), toxicity.merge(o.toxicity), pick(o.klAfter, klAfter),
                pick(o.winRate, winRate), feedback.merge(o.feedback), run.merge(o.run));
    }

    private static <T> T pick(T a, T b) { return a != null ? a : b; }

    /** The figures by their summary.json keys, in file order. */
    public Map<String, Object> fields() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reward_before", reward.before());
        m.put("reward_after", reward.after());
        m.put("gold_before", gold.before());
        m.put("gold_after", gold.after());
        m.put("kl_after", klAfter);
        m.put("toxicity_before", toxicity.before());
        m.put("toxicity_after", toxicity.after());
        m.put("win_rate", winRate);
        m.put("rm_val_accuracy", feedback.rmValAccuracy());
        m.put("agreement_pairwise", feedback.agreementPairwise());
        m.put("fleiss_kappa", feedback.fleissKappa());
        m.put("iterations", run.iterations());
        m.put("wall_seconds", run.wallSeconds());
        return m;
    }

    public String toJson() { return GSON.toJson(fields()); }

    public void write(Path dir) throws IOException {
        rlhf4j.transformer.run.AtomicFiles.writeString(dir.resolve(FILE), toJson() + "\n");   // never half a summary
    }

    /** Parses summary.json's text; missing keys stay null. */
    public static Summary fromJson(String json) {
        JsonObject o = GSON.fromJson(json, JsonObject.class);
        return new Summary(new BeforeAfter(num(o, "reward_before"), num(o, "reward_after")),
                new BeforeAfter(num(o, "gold_before"), num(o, "gold_after")),
                new BeforeAfter(num(o, "toxicity_before"), num(o, "toxicity_after")), num(o, "kl_after"), num(o, "win_rate"),
                new Feedback(num(o, "rm_val_accuracy"), num(o, "agreement_pairwise"), num(o, "fleiss_kappa")),
                new Run(o.has("iterations") && !o.get("iterations").isJsonNull() ? o.get("iterations").getAsInt() : null,
                        num(o, "wall_seconds")));
    }

    private static Double num(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e.getAsDouble();
    }

    /** The directory's summary, or an empty one. */
    public static Summary read(Path dir) throws IOException {
        Path f = dir.resolve(FILE);
        if (!Files.exists(f)) return empty();
        return fromJson(Files.readString(f, StandardCharsets.UTF_8));
    }
}
