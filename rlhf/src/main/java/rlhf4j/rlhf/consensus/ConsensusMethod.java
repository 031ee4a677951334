package rlhf4j.rlhf.consensus;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import rlhf4j.rlhf.feedback.Ranking;

/**
 * How several labelers' rankings of one item become one ranking. Both methods score each completion and rank by
 * score; completions with equal scores share a tier (listed by id inside it), so an undecided consensus shows as a
 * tie rather than as an arbitrary order.
 */
public enum ConsensusMethod {
    /**
     * Borda count. In each ranking a completion earns one point per completion ranked strictly below it and half a
     * point per completion tied with it; points are summed over the rankings. (With K completions and no ties the
     * best earns K-1, the worst 0.) A completion a ranking leaves out earns nothing from it.
     */
    BORDA {
        @Override public Map<String, Double> scores(List<Ranking> rankings) {
            Map<String, Double> score = new TreeMap<>();
            for (Ranking r : rankings) {
                int below = r.size();
                for (List<String> tier : r.tiers()) {
                    below -= tier.size();
                    for (String id : tier) score.merge(id, below + 0.5 * (tier.size() - 1), Double::sum);
                }
            }
            return score;
        }
    },
    /**
     * Copeland's pairwise majority. For each pair (a, b) count the rankings that put a above b and those that put b
     * above a (a ranking that ties them, or leaves one out, abstains). The majority winner of the pair earns 1 point;
     * a pair with equal counts (including no votes at all) gives each side half a point. A completion that beats every
     * other by majority (a Condorcet winner) therefore ranks first alone.
     */
    COPELAND {
        @Override public Map<String, Double> scores(List<Ranking> rankings) {
            Set<String> ids = new LinkedHashSet<>();
            rankings.forEach(r -> ids.addAll(r.ids()));
            List<String> all = ids.stream().sorted().toList();
            List<Map<String, Integer>> tiers = rankings.stream().map(Ranking::tierIndex).toList();
            Map<String, Double> score = new TreeMap<>();
            all.forEach(id -> score.put(id, 0.0));
            for (int i = 0; i < all.size(); i++) {
                for (int j = i + 1; j < all.size(); j++) {
                    String a = all.get(i), b = all.get(j);
                    int aAbove = 0, bAbove = 0;
                    for (Map<String, Integer> tier : tiers) {
                        Integer ta = tier.get(a), tb = tier.get(b);
                        if (ta == null || tb == null) continue;
                        if (ta < tb) aAbove++;
                        else if (tb < ta) bAbove++;
                    }
                    if (aAbove > bAbove) score.merge(a, 1.0, Double::sum);
                    else if (bAbove > aAbove) score.merge(b, 1.0, Double::sum);
                    else {
                        score.merge(a, 0.5, Double::sum);
                        score.merge(b, 0.5, Double::sum);
                    }
                }
            }
            return score;
        }
    };

    /** Each completion's score; higher is better. */
    public abstract Map<String, Double> scores(List<Ranking> rankings);

    /** The consensus ranking: completions by score, best first; equal scores tie. */
    public Ranking aggregate(List<Ranking> rankings) {
        Map<String, Double> scores = scores(rankings);
        // scores are sums of halves, exact in binary floating point, so equality is a fair test for a tie
        TreeMap<Double, List<String>> byScore = new TreeMap<>(Comparator.reverseOrder());
        scores.forEach((id, s) -> byScore.computeIfAbsent(s, k -> new ArrayList<>()).add(id));
        return new Ranking(List.copyOf(byScore.values()));
    }
}
