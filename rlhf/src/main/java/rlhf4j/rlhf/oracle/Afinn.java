package rlhf4j.rlhf.oracle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import rlhf4j.transformer.data.DataSets;

/**
 * AFINN-165 (Nielsen 2011, 2015 revision): each listed word or phrase has a valence from −5 to +5 and a text scores
 * the sum over the words it contains.
 *
 * <p>Words are lower-cased runs of letters, digits, apostrophes and inner hyphens ("can't", "well-being", "gr8");
 * at each position the longest listed phrase wins ("does not work" −3 rather than "work"), and its words are consumed.
 *
 * <p>{@link #score} is the <b>mean</b> valence per word, {@code sum / words}: a length-normalised number, so a long
 * story is not "more positive" than a short one merely by being long (the RLHF demo uses it as a held-out gold
 * sentiment score for generated stories). {@link #sum} gives the classic AFINN total.
 */
public final class Afinn implements TextScorer {

    /** The sum of matched valences, the number of words in the text, and how many listed entries matched. */
    public record Score(int sum, int words, int matches) {
        /** Valence per word; 0 for a text without words. */
        public double mean() {
            return words == 0 ? 0.0 : (double) sum / words;
        }
    }

    private final Map<String, Integer> valences; // word or space-joined phrase -> valence
    private final int longestPhrase;             // in words

    private Afinn(Map<String, Integer> valences) {
        this.valences = valences;
        int longest = 1;
        for (String entry : valences.keySet()) longest = Math.max(longest, entry.split(" ").length);
        this.longestPhrase = longest;
    }

    /** AFINN with the list at {@code shared/data/lexicons/afinn-165.tsv}, found from the working directory. */
    public static Afinn load() {
        return load(DataSets.file("lexicons/afinn-165.tsv"));
    }

    /** AFINN with the list at {@code file}: word-or-phrase TAB integer score per line. */
    public static Afinn load(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read AFINN list " + file, e);
        }
        Map<String, Integer> valences = new HashMap<>();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            if (line.isBlank()) continue;
            String[] fields = line.split("\t");
            if (fields.length != 2) {
                throw new IllegalArgumentException(file + ":" + (n + 1) + ": expected word TAB score, got "
                        + fields.length + " field(s)");
            }
            int score;
            try {
                score = Integer.parseInt(fields[1].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(file + ":" + (n + 1) + ": score is not an integer: " + fields[1], e);
            }
            if (score < -5 || score > 5) {
                throw new IllegalArgumentException(file + ":" + (n + 1) + ": score " + score + " outside -5..5");
            }
            // Store entries in the same word form the tokenizer produces, so phrases compare word by word.
            valences.put(String.join(" ", words(fields[0])), score);
        }
        if (valences.isEmpty()) throw new IllegalArgumentException("empty AFINN list " + file);
        return new Afinn(Map.copyOf(valences));
    }

    /** Number of entries (words and phrases). */
    public int size() {
        return valences.size();
    }

    /** Mean valence per word (see the class comment). */
    @Override
    public double score(String text) {
        return analyse(text).mean();
    }

    @Override
    public String name() {
        return "afinn";
    }

    /** The classic AFINN total. */
    public int sum(String text) {
        return analyse(text).sum();
    }

    /** This list as a scorer of the plain sum, for callers that want AFINN's usual number. */
    public TextScorer sumScorer() {
        return new TextScorer() {
            @Override public double score(String text) { return sum(text); }
            @Override public String name() { return "afinn-sum"; }
        };
    }

    public Score analyse(String text) {
        List<String> words = words(text);
        int sum = 0, matches = 0;
        int i = 0;
        while (i < words.size()) {
            int matchedLength = 0;
            // Longest phrase first, down to the single word.
            for (int len = Math.min(longestPhrase, words.size() - i); len >= 1 && matchedLength == 0; len--) {
                Integer valence = valences.get(String.join(" ", words.subList(i, i + len)));
                if (valence != null) {
                    sum += valence;
                    matches++;
                    matchedLength = len;
                }
            }
            i += Math.max(matchedLength, 1);
        }
        return new Score(sum, words.size(), matches);
    }

    /**
     * Lower-cased words: maximal runs of letters, digits, apostrophes and hyphens, with apostrophes and hyphens
     * trimmed from both ends ("'tis-" → "tis"); a typographic apostrophe (’) counts as '.
     */
    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        String s = text.toLowerCase(Locale.ROOT).replace('\u2019', '\'');
        int i = 0, n = s.length();
        while (i < n) {
            while (i < n && !isWordChar(s.codePointAt(i))) i += Character.charCount(s.codePointAt(i));
            int start = i;
            while (i < n && isWordChar(s.codePointAt(i))) i += Character.charCount(s.codePointAt(i));
            int from = start, to = i;
            while (from < to && isJoiner(s.charAt(from))) from++;
            while (to > from && isJoiner(s.charAt(to - 1))) to--;
            if (to > from) words.add(s.substring(from, to));
        }
        return words;
    }

    private static boolean isWordChar(int cp) {
        return Character.isLetterOrDigit(cp) || isJoiner(cp);
    }

    private static boolean isJoiner(int cp) {
        return cp == '\'' || cp == '-';
    }
}
