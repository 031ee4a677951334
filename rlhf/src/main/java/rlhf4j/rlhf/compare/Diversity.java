package rlhf4j.rlhf.compare;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Diversity of a set of texts by distinct-n (Li et al. 2016): the number of distinct word n-grams over the number of
 * n-grams, pooled over every text; 1 when no n-gram repeats, near 0 when every text says the same. Words are the
 * lower-cased whitespace-separated tokens.
 */
public final class Diversity {
    private Diversity() {}

    /** distinct-n = |{n-grams}| / Σ_texts (words − n + 1); NaN when no text has n words. */
    public static double distinct(List<String> texts, int n) {
        Set<String> seen = new HashSet<>();
        long total = 0;
        for (String text : texts) {
            String[] w = text.toLowerCase(Locale.ROOT).strip().split("\\s+");
            if (w.length == 1 && w[0].isEmpty()) continue;
            for (int i = 0; i + n <= w.length; i++) {
                seen.add(String.join(" ", java.util.Arrays.copyOfRange(w, i, i + n)));
                total++;
            }
        }
        return total == 0 ? Double.NaN : (double) seen.size() / total;
    }
}
