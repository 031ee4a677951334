package rlhf4j.rlhf.consensus;

import java.util.ArrayList;
import java.util.List;
import rlhf4j.rlhf.feedback.Ranking;

/** One preference: {@code winner} was ranked above {@code loser} (completion ids). */
public record PreferencePair(String winner, String loser) {

    /**
     * Every pair a ranking orders, preferred first: for each two tiers, each member of the better tier against each
     * member of the worse one. Completions in one tier give no pair, so K completions without ties give C(K, 2) pairs
     * and each tie of t completions removes C(t, 2) of them.
     */
    public static List<PreferencePair> of(Ranking ranking) {
        List<PreferencePair> pairs = new ArrayList<>();
        List<List<String>> tiers = ranking.tiers();
        for (int better = 0; better < tiers.size(); better++) {
            for (int worse = better + 1; worse < tiers.size(); worse++) {
                for (String w : tiers.get(better)) for (String l : tiers.get(worse)) pairs.add(new PreferencePair(w, l));
            }
        }
        return pairs;
    }
}
