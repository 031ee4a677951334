package rlhf4j.rlhf.feedback;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import rlhf4j.tensor.io.Quote;

/**
 * Completion ids from best to worst, with ties: a list of tiers, each tier a set of equally good completions.
 * {@code [[c2, c1], [c3]]} reads "c2 and c1 tie for best, c3 is worst". Every id appears exactly once.
 *
 * @param tiers best tier first; no tier is empty
 */
public record Ranking(List<List<String>> tiers) {
    public Ranking {
        Objects.requireNonNull(tiers, "tiers");
        List<List<String>> copy = new ArrayList<>(tiers.size());
        var seen = new java.util.HashSet<String>();
        for (List<String> tier : tiers) {
            if (tier == null || tier.isEmpty()) throw new IllegalArgumentException("a ranking tier is empty: " + Quote.cap(tiers));
            for (String id : tier) {
                if (id == null) throw new IllegalArgumentException("a ranking holds a null id: " + Quote.cap(tiers));
                if (!seen.add(id)) throw new IllegalArgumentException("id " + Quote.cap(id) + " appears twice in ranking " + Quote.cap(tiers));
            }
            copy.add(List.copyOf(tier));
        }
        tiers = List.copyOf(copy);
    }

    /** No completions: the ranking of an unusable judgement. */
    public static Ranking empty() { return new Ranking(List.of()); }

    /** A strict order, best first, no ties. */
    public static Ranking strict(String... idsBestFirst) {
        return strict(List.of(idsBestFirst));
    }

    /** A strict order, best first, no ties. */
    public static Ranking strict(List<String> idsBestFirst) {
        return new Ranking(idsBestFirst.stream().map(List::of).toList());
    }

    /** Tiers given as arrays: {@code Ranking.of(new String[]{"c2", "c1"}, new String[]{"c3"})}. */
    public static Ranking of(String[]... tiers) {
        List<List<String>> list = new ArrayList<>();
        for (String[] tier : tiers) list.add(List.of(tier));
        return new Ranking(list);
    }

    /** Every ranked id, best first (ties in their stored order). */
    public List<String> ids() {
        return tiers.stream().flatMap(List::stream).toList();
    }

    /** How many completions are ranked. */
    public int size() {
        return tiers.stream().mapToInt(List::size).sum();
    }

    public boolean isEmpty() { return tiers.isEmpty(); }

    public boolean contains(String id) { return tierOf(id) >= 0; }

    /** The tier index of {@code id} (0 = best), or -1 when it is not ranked. */
    public int tierOf(String id) {
        for (int t = 0; t < tiers.size(); t++) if (tiers.get(t).contains(id)) return t;
        return -1;
    }

    /** Tier index per id, for many look-ups. */
    public Map<String, Integer> tierIndex() {
        Map<String, Integer> index = new HashMap<>();
        for (int t = 0; t < tiers.size(); t++) for (String id : tiers.get(t)) index.put(id, t);
        return index;
    }

    /** What this ranking says about the pair (a, b); both must be ranked. */
    public PairwiseChoice choice(String a, String b) {
        int ta = tierOf(a), tb = tierOf(b);
        if (ta < 0 || tb < 0) throw new IllegalArgumentException("pair (" + Quote.cap(a) + ", " + Quote.cap(b) + ") is not ranked in " + Quote.cap(this));
        return ta < tb ? PairwiseChoice.FIRST : ta > tb ? PairwiseChoice.SECOND : PairwiseChoice.TIE;
    }

    /** Readable form: {@code c2=c1 > c3}. */
    @Override public String toString() {
        return tiers.stream().map(t -> String.join("=", t)).collect(Collectors.joining(" > "));
    }
}
