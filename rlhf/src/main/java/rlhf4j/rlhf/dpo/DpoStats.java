package rlhf4j.rlhf.dpo;

import com.google.gson.JsonObject;

/**
 * One DPO step's figures, one line of {@code metrics.jsonl} with TRL's names: {@code step}, {@code epoch},
 * {@code loss}, {@code rewards/chosen}, {@code rewards/rejected}, {@code rewards/accuracies}, {@code rewards/margins},
 * {@code grad_norm} (before clipping; NaN when clipping is off), {@code pairs}, {@code tokens} (prompt + completion
 * tokens of the batch's rows, each forwarded once) and {@code seconds}. The figures are those of the batch before the
 * step's update.
 */
public record DpoStats(int step, int epoch, double loss, DpoLoss.Metrics rewards, double gradNorm, int pairs, long tokens, double seconds) {

    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("step", step);
        o.addProperty("epoch", epoch);
        o.addProperty("loss", loss);
        o.addProperty("rewards/chosen", rewards.chosen());
        o.addProperty("rewards/rejected", rewards.rejected());
        o.addProperty("rewards/accuracies", rewards.accuracy());
        o.addProperty("rewards/margins", rewards.margin());
        o.addProperty("grad_norm", gradNorm);
        o.addProperty("pairs", pairs);
        o.addProperty("tokens", tokens);
        o.addProperty("seconds", seconds);
        return o;
    }

    /** A line read back; lines written before tokens were logged read 0 tokens. */
    public static DpoStats fromJson(JsonObject o) {
        return new DpoStats(o.get("step").getAsInt(), o.get("epoch").getAsInt(), o.get("loss").getAsDouble(),
                new DpoLoss.Metrics(o.get("rewards/chosen").getAsDouble(), o.get("rewards/rejected").getAsDouble(),
                        o.get("rewards/accuracies").getAsDouble(), o.get("rewards/margins").getAsDouble()),
                o.get("grad_norm").getAsDouble(), o.get("pairs").getAsInt(),
                o.has("tokens") ? o.get("tokens").getAsLong() : 0, o.get("seconds").getAsDouble());
    }
}
