package rlhf4j.rlhf.consensus;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.rlhf.feedback.JsonlCodec;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.feedback.Ranking;

/**
 * The preference pairs of one ranked item, grouped: the prompt, its K completions once, and the (winner, loser)
 * index pairs into them. A reward model forwards each completion once and averages its loss over the pairs, instead
 * of seeing each completion in K-1 separate pair examples (InstructGPT does this to keep the reward model from
 * overfitting to the completions it sees many times).
 *
 * @param source      who produced the ranking: a labeler id, or {@code consensus:borda} ...
 * @param criterion   the criterion ranked
 * @param prompt      the prompt
 * @param completions the item's completions, each once
 * @param pairs       index pairs into {@code completions}, preferred first
 */
public record PreferenceGroup(String source, String criterion, Prompt prompt, List<Completion> completions,
                              List<IndexPair> pairs) {

    /** {@code completions.get(winner)} was ranked above {@code completions.get(loser)}. */
    public record IndexPair(int winner, int loser) {}

    public PreferenceGroup {
        completions = List.copyOf(completions);
        pairs = List.copyOf(pairs);
        for (IndexPair p : pairs) {
            Objects.checkIndex(p.winner(), completions.size());
            Objects.checkIndex(p.loser(), completions.size());
        }
    }

    /** The group of {@code ranking} over {@code completions} (every ranked id must be among them). */
    public static PreferenceGroup of(String source, String criterion, Prompt prompt, List<Completion> completions,
                                     Ranking ranking) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < completions.size(); i++) index.put(completions.get(i).id(), i);
        List<IndexPair> pairs = new ArrayList<>();
        for (PreferencePair p : PreferencePair.of(ranking)) {
            Integer w = index.get(p.winner()), l = index.get(p.loser());
            if (w == null || l == null) {
                throw new IllegalArgumentException("ranking of prompt " + prompt.id() + " names completion "
                        + (w == null ? p.winner() : p.loser()) + ", which is not among its completions");
            }
            pairs.add(new IndexPair(w, l));
        }
        return new PreferenceGroup(source, criterion, prompt, completions, pairs);
    }

    /** JSONL form: {@code {"source", "criterion", "prompt": {...}, "completions": [{...}, ...], "pairs": [[w, l], ...]}}. */
    public static final JsonlCodec<PreferenceGroup> JSON = new JsonlCodec<>() {
        @Override public PreferenceGroup fromJson(JsonObject json) {
            List<Completion> completions = new ArrayList<>();
            for (JsonElement c : array(json, "completions")) completions.add(FeedbackJson.COMPLETION.fromJson(c.getAsJsonObject()));
            List<IndexPair> pairs = new ArrayList<>();
            for (JsonElement p : array(json, "pairs")) {
                JsonArray wl = p.getAsJsonArray();
                if (wl.size() != 2) throw new IllegalArgumentException("a pair must be [winner, loser], got " + wl);
                pairs.add(new IndexPair(wl.get(0).getAsInt(), wl.get(1).getAsInt()));
            }
            if (!json.has("prompt") || !json.get("prompt").isJsonObject()) throw new IllegalArgumentException("missing object 'prompt'");
            return new PreferenceGroup(json.get("source").getAsString(), json.get("criterion").getAsString(),
                    FeedbackJson.PROMPT.fromJson(json.getAsJsonObject("prompt")), completions, pairs);
        }

        @Override public JsonObject toJson(PreferenceGroup g) {
            JsonObject json = new JsonObject();
            json.addProperty("source", g.source());
            json.addProperty("criterion", g.criterion());
            json.add("prompt", FeedbackJson.PROMPT.toJson(g.prompt()));
            JsonArray completions = new JsonArray();
            g.completions().forEach(c -> completions.add(FeedbackJson.COMPLETION.toJson(c)));
            json.add("completions", completions);
            JsonArray pairs = new JsonArray();
            for (IndexPair p : g.pairs()) {
                JsonArray wl = new JsonArray(2);
                wl.add(p.winner());
                wl.add(p.loser());
                pairs.add(wl);
            }
            json.add("pairs", pairs);
            return json;
        }

        private static JsonArray array(JsonObject json, String field) {
            if (!json.has(field) || !json.get(field).isJsonArray()) throw new IllegalArgumentException("missing array '" + field + "'");
            return json.getAsJsonArray(field);
        }
    };
}
