package rlhf4j.rlhf.label;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses a typed ranking of K numbered responses: numbers best first, separated by spaces (or commas), with
 * {@code =} joining tied numbers, e.g. {@code "2 1 3"} or {@code "2=1 3"}. Every number 1..K must appear exactly once.
 */
public final class RankingInput {
    private RankingInput() {}

    /**
     * The tiers of 1-based response numbers, best first.
     *
     * @throws IllegalArgumentException with a message fit to show the labeler
     */
    public static List<List<Integer>> parse(String line, int k) {
        String text = line.strip();
        if (text.isEmpty()) throw new IllegalArgumentException("type a ranking of 1.." + k + ", or s, f, q, ?");
        boolean[] seen = new boolean[k + 1];
        List<List<Integer>> tiers = new ArrayList<>();
        for (String group : text.split("[\\s,]+")) {
            List<Integer> tier = new ArrayList<>();
            for (String token : group.split("=", -1)) {
                if (token.isEmpty()) throw new IllegalArgumentException("'" + group + "' has an empty side of '='");
                int number;
                try {
                    number = Integer.parseInt(token);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + token + "' is not a response number");
                }
                if (number < 1 || number > k) {
                    throw new IllegalArgumentException(number + " is not one of the shown numbers 1.." + k);
                }
                if (seen[number]) throw new IllegalArgumentException(number + " appears more than once");
                seen[number] = true;
                tier.add(number);
            }
            tiers.add(tier);
        }
        List<Integer> missing = new ArrayList<>();
        for (int n = 1; n <= k; n++) if (!seen[n]) missing.add(n);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("missing " + missing + ": rank every response 1.." + k + " exactly once");
        }
        return tiers;
    }
}
