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
import rlhf4j.tensor.io.Quote;

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

    /**
     * {@code completions.get(winner)} was ranked above {@code completions.get(loser)}, by {@code margin} ≥ 0 when the
     * label says how much better (0: it says nothing). A reward model asks for that gap: −log σ(r_w − r_l − m). The
     * margin comes from the labels: a score difference written by whoever made the groups file (e.g. s_w − s_l of
     * 1–7 scores, or Llama 2's "significantly / slightly better" scale as 3, 2, 1, 0), or the labelers' agreement on
     * the pair ({@link PreferenceGroups#withAgreementMargins}, where PandaLM-style ties lower it).
     */
    public record IndexPair(int winner, int loser, double margin) {
        public IndexPair {
            if (!(margin >= 0) || !Double.isFinite(margin)) throw new IllegalArgumentException("pair margin " + margin + " must be finite and >= 0");
        }

        /** A pair whose label carries no margin. */
        public IndexPair(int winner, int loser) { this(winner, loser, 0); }
    }

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
                throw new IllegalArgumentException("ranking of prompt " + Quote.cap(prompt.id()) + " names completion "
                        + Quote.cap(w == null ? p.winner() : p.loser()) + ", which is not among its completions");
            }
            pairs.add(new IndexPair(w, l));
        }
        return new PreferenceGroup(source, criterion, prompt, completions, pairs);
    }

    /**
     * JSONL form: {@code {"source", "criterion", "prompt": {...}, "completions": [{...}, ...], "pairs": [[w, l], ...]}};
     * a pair whose label carries a margin is {@code [w, l, m]}.
     */
    public static final JsonlCodec<PreferenceGroup> JSON = new JsonlCodec<>() {
        @Override public PreferenceGroup fromJson(JsonObject json) {
            List<Completion> completions = new ArrayList<>();
            JsonArray cs = FeedbackJson.requiredArray(json, "completions");
            for (int i = 0; i < cs.size(); i++)
                completions.add(FeedbackJson.COMPLETION.fromJson(FeedbackJson.object(cs.get(i), "completions[" + i + "]")));
            List<IndexPair> pairs = new ArrayList<>();
            JsonArray ps = FeedbackJson.requiredArray(json, "pairs");
            for (int i = 0; i < ps.size(); i++) {
                JsonArray wl = FeedbackJson.array(ps.get(i), "pairs[" + i + "]");
                if (wl.size() != 2 && wl.size() != 3)
                    throw new IllegalArgumentException("pairs[" + i + "] must be [winner, loser] or [winner, loser, margin], got " + Quote.cap(wl));
                pairs.add(new IndexPair(index(wl.get(0), i, 0, completions.size()), index(wl.get(1), i, 1, completions.size()),
                        wl.size() == 3 ? margin(wl.get(2), i) : 0));
            }
            return new PreferenceGroup(FeedbackJson.requiredString(json, "source"), FeedbackJson.requiredString(json, "criterion"),
                    FeedbackJson.PROMPT.fromJson(FeedbackJson.requiredObject(json, "prompt")), completions, pairs);
        }

        /** An index into the completions: an integer (0.9 is not rounded to 0) and in range. */
        private static int index(JsonElement e, int pair, int side, int completions) {
            String path = "pairs[" + pair + "][" + side + "]";
            int index = FeedbackJson.integer(e, path);
            if (index < 0 || index >= completions)
                throw new IllegalArgumentException("field '" + path + "' is " + index + ", not an index into the "
                        + completions + " completions");
            return index;
        }

        /** A pair's margin: a finite number >= 0. */
        private static double margin(JsonElement e, int pair) {
            String path = "pairs[" + pair + "][2]";
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber())
                throw new IllegalArgumentException("field '" + path + "' must be a number (the pair's margin), got " + Quote.cap(e));
            double m = e.getAsDouble();
            if (!(m >= 0) || !Double.isFinite(m)) throw new IllegalArgumentException("field '" + path + "' is " + m + ", a margin must be finite and >= 0");
            return m;
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
                JsonArray wl = new JsonArray(3);
                wl.add(p.winner());
                wl.add(p.loser());
                if (p.margin() != 0) wl.add(p.margin());
                pairs.add(wl);
            }
            json.add("pairs", pairs);
            return json;
        }
    };
}
