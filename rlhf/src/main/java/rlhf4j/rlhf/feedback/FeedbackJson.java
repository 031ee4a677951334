package rlhf4j.rlhf.feedback;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import rlhf4j.tensor.io.Quote;

/**
 * The JSONL codecs of the feedback records; docs/feedback-format.md describes the fields. Field names are
 * snake_case; optional fields are left out when absent; unknown fields are ignored (so that files can carry more).
 */
public final class FeedbackJson {
    private FeedbackJson() {}

    /** {@code {"id", "text", "metadata"?}} */
    public static final JsonlCodec<Prompt> PROMPT = new JsonlCodec<>() {
        @Override public Prompt fromJson(JsonObject json) {
            Map<String, String> metadata = new LinkedHashMap<>();
            JsonObject meta = optionalObject(json, "metadata");
            if (meta != null) for (String key : meta.keySet()) metadata.put(key, string(meta, key, "metadata." + key));
            return new Prompt(requiredString(json, "id"), requiredString(json, "text"), metadata);
        }

        @Override public JsonObject toJson(Prompt p) {
            JsonObject json = new JsonObject();
            json.addProperty("id", p.id());
            json.addProperty("text", p.text());
            if (!p.metadata().isEmpty()) {
                JsonObject meta = new JsonObject();
                p.metadata().forEach(meta::addProperty);
                json.add("metadata", meta);
            }
            return json;
        }
    };

    /** {@code {"id", "prompt_id", "text", "token_ids"?, "sampling"?: {"checkpoint", "temperature"?, "top_p"?, "top_k"?, "seed"?}}} */
    public static final JsonlCodec<Completion> COMPLETION = new JsonlCodec<>() {
        @Override public Completion fromJson(JsonObject json) {
            int[] tokenIds = new int[0];
            JsonArray tokens = optionalArray(json, "token_ids");
            if (tokens != null) {
                tokenIds = new int[tokens.size()];
                for (int i = 0; i < tokenIds.length; i++) tokenIds[i] = integer(tokens.get(i), "token_ids[" + i + "]");
            }
            SamplingSettings sampling = null;
            JsonObject s = optionalObject(json, "sampling");
            if (s != null) {
                sampling = new SamplingSettings(
                        requiredString(s, "checkpoint", "sampling.checkpoint"),
                        s.has("temperature") ? number(s.get("temperature"), "sampling.temperature").doubleValue() : null,
                        s.has("top_p") ? number(s.get("top_p"), "sampling.top_p").doubleValue() : null,
                        s.has("top_k") ? integer(s.get("top_k"), "sampling.top_k") : null,
                        s.has("seed") ? longInteger(s.get("seed"), "sampling.seed") : null);
            }
            return new Completion(requiredString(json, "id"), requiredString(json, "prompt_id"),
                    requiredString(json, "text"), tokenIds, sampling);
        }

        @Override public JsonObject toJson(Completion c) {
            JsonObject json = new JsonObject();
            json.addProperty("id", c.id());
            json.addProperty("prompt_id", c.promptId());
            json.addProperty("text", c.text());
            int[] tokenIds = c.tokenIds();
            if (tokenIds.length > 0) {
                JsonArray tokens = new JsonArray(tokenIds.length);
                for (int t : tokenIds) tokens.add(t);
                json.add("token_ids", tokens);
            }
            SamplingSettings s = c.sampling();
            if (s != null) {
                JsonObject sampling = new JsonObject();
                sampling.addProperty("checkpoint", s.checkpoint());
                if (s.temperature() != null) sampling.addProperty("temperature", s.temperature());
                if (s.topP() != null) sampling.addProperty("top_p", s.topP());
                if (s.topK() != null) sampling.addProperty("top_k", s.topK());
                if (s.seed() != null) sampling.addProperty("seed", s.seed());
                json.add("sampling", sampling);
            }
            return json;
        }
    };

    /**
     * {@code {"labeler", "criterion", "prompt_id", "ranking": [[ids], ...], "time"?, "unusable"?, "flags"?: ["harmful"],
     * "score"?: 1..7, "comment"?}}. {@code unusable} stays a field of its own (files written before flags and scores
     * existed read unchanged); {@code flags} holds the other flags.
     */
    public static final JsonlCodec<Judgement> JUDGEMENT = new JsonlCodec<>() {
        @Override public Judgement fromJson(JsonObject json) {
            JsonArray tiers = optionalArray(json, "ranking");
            boolean unusable = json.has("unusable") && bool(json.get("unusable"), "unusable");
            if (tiers == null && !unusable) throw new IllegalArgumentException("missing field 'ranking'");
            List<List<String>> ranking = new ArrayList<>();
            if (tiers != null) {
                for (int t = 0; t < tiers.size(); t++) {
                    JsonElement tier = tiers.get(t);
                    if (!tier.isJsonArray()) {
                        throw new IllegalArgumentException("ranking[" + t + "] must be an array of completion ids"
                                + " (a tier), e.g. [[\"c2\", \"c1\"], [\"c3\"]]");
                    }
                    List<String> ids = new ArrayList<>();
                    JsonArray members = tier.getAsJsonArray();
                    for (int i = 0; i < members.size(); i++) ids.add(string(members.get(i), "ranking[" + t + "][" + i + "]"));
                    ranking.add(ids);
                }
            }
            Instant time = null;
            if (json.has("time") && !json.get("time").isJsonNull()) {
                String text = string(json.get("time"), "time");
                try {
                    time = Instant.parse(text);
                } catch (DateTimeParseException e) {
                    throw new IllegalArgumentException("field 'time' is not an ISO-8601 instant such as "
                            + "2026-11-24T06:00:00Z: " + Quote.cap(text));
                }
            }
            String comment = json.has("comment") && !json.get("comment").isJsonNull()
                    ? string(json.get("comment"), "comment") : null;
            return new Judgement(requiredString(json, "labeler"), requiredString(json, "criterion"),
                    requiredString(json, "prompt_id"), new Ranking(ranking), time, notes(json, unusable, comment));
        }

        @Override public JsonObject toJson(Judgement j) {
            JsonObject json = new JsonObject();
            json.addProperty("labeler", j.labelerId());
            json.addProperty("criterion", j.criterion());
            json.addProperty("prompt_id", j.promptId());
            JsonArray tiers = new JsonArray();
            for (List<String> tier : j.ranking().tiers()) {
                JsonArray ids = new JsonArray(tier.size());
                tier.forEach(ids::add);
                tiers.add(ids);
            }
            json.add("ranking", tiers);
            if (j.time() != null) json.addProperty("time", j.time().toString());
            if (j.unusable()) json.addProperty("unusable", true);
            JsonArray flags = new JsonArray();
            j.notes().flags().stream().filter(f -> !f.equals(Judgement.UNUSABLE)).forEach(flags::add);
            if (!flags.isEmpty()) json.add("flags", flags);
            if (j.score() != null) json.addProperty("score", j.score());
            if (j.comment() != null) json.addProperty("comment", j.comment());
            return json;
        }
    };

    /** The judgement's notes: the unusable field, the optional flags array and score, the comment. */
    private static Judgement.Notes notes(JsonObject json, boolean unusable, String comment) {
        java.util.Set<String> flags = new java.util.TreeSet<>();
        if (unusable) flags.add(Judgement.UNUSABLE);
        JsonArray listed = optionalArray(json, "flags");
        if (listed != null) for (int i = 0; i < listed.size(); i++) flags.add(string(listed.get(i), "flags[" + i + "]"));
        Integer score = json.has("score") && !json.get("score").isJsonNull() ? integer(json.get("score"), "score") : null;
        return new Judgement.Notes(score, flags, comment);
    }

    // ---- field access with messages that say which field is wrong (public for the codecs of other packages) ----

    public static String requiredString(JsonObject json, String field) { return requiredString(json, field, field); }

    public static String requiredString(JsonObject json, String field, String path) {
        if (!json.has(field) || json.get(field).isJsonNull()) throw new IllegalArgumentException("missing field '" + path + "'");
        return string(json.get(field), path);
    }

    static String string(JsonObject json, String field, String path) { return string(json.get(field), path); }

    public static String string(JsonElement e, String path) {
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException("field '" + path + "' must be a string, got " + Quote.cap(e));
        }
        return e.getAsString();
    }

    static BigDecimal number(JsonElement e, String path) {
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new IllegalArgumentException("field '" + path + "' must be a number, got " + Quote.cap(e));
        }
        return e.getAsBigDecimal();
    }

    public static int integer(JsonElement e, String path) {
        try {
            return number(e, path).intValueExact();
        } catch (ArithmeticException notAnInt) {
            throw new IllegalArgumentException("field '" + path + "' must be a 32-bit integer, got " + Quote.cap(e));
        }
    }

    static long longInteger(JsonElement e, String path) {
        try {
            return number(e, path).longValueExact();
        } catch (ArithmeticException notALong) {
            throw new IllegalArgumentException("field '" + path + "' must be a 64-bit integer, got " + Quote.cap(e));
        }
    }

    static boolean bool(JsonElement e, String path) {
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw new IllegalArgumentException("field '" + path + "' must be true or false, got " + Quote.cap(e));
        }
        return e.getAsBoolean();
    }

    public static JsonObject optionalObject(JsonObject json, String field) {
        JsonElement e = json.get(field);
        if (e == null || e.isJsonNull()) return null;
        if (!e.isJsonObject()) throw new IllegalArgumentException("field '" + field + "' must be an object, got " + Quote.cap(e));
        return e.getAsJsonObject();
    }

    public static JsonArray optionalArray(JsonObject json, String field) {
        JsonElement e = json.get(field);
        if (e == null || e.isJsonNull()) return null;
        if (!e.isJsonArray()) throw new IllegalArgumentException("field '" + field + "' must be an array, got " + Quote.cap(e));
        return e.getAsJsonArray();
    }

    /** A field that must hold an array. */
    public static JsonArray requiredArray(JsonObject json, String field) {
        JsonArray a = optionalArray(json, field);
        if (a == null) throw new IllegalArgumentException("missing array '" + field + "'");
        return a;
    }

    /** A field that must hold an object. */
    public static JsonObject requiredObject(JsonObject json, String field) {
        JsonObject o = optionalObject(json, field);
        if (o == null) throw new IllegalArgumentException("missing object '" + field + "'");
        return o;
    }

    /** An element that must be an object; {@code path} names it, e.g. "completions[2]". */
    public static JsonObject object(JsonElement e, String path) {
        if (e == null || !e.isJsonObject()) throw new IllegalArgumentException("field '" + path + "' must be an object, got " + Quote.cap(e));
        return e.getAsJsonObject();
    }

    /** An element that must be an array; {@code path} names it, e.g. "pairs[0]". */
    public static JsonArray array(JsonElement e, String path) {
        if (e == null || !e.isJsonArray()) throw new IllegalArgumentException("field '" + path + "' must be an array, got " + Quote.cap(e));
        return e.getAsJsonArray();
    }
}
