package rlhf4j.rlhf.oracle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import rlhf4j.transformer.data.DataSets;

/**
 * VADER, the rule-based sentiment scorer of Hutto and Gilbert (2014), following the behaviour of the reference
 * implementation (vaderSentiment 3.3.x).
 *
 * <p>Each token found in the lexicon gets a valence (mean human rating, −4..4) that is then adjusted by the words just
 * before it: boosters and dampeners ("very", "kind of"), ALL-CAPS emphasis, negation ("not", "n't", "never"), "least",
 * a few idioms; a "but" halves what came before it and raises what follows by half. The valences are summed, the
 * sum is pushed away from zero by '!' and '?', and squashed into (−1, 1) by {@code x / sqrt(x² + 15)}: the compound.
 *
 * <p>Emoji: like the reference, an optional second list (emoji TAB English description, the reference's
 * {@code emoji_utf8_lexicon.txt}) replaces each listed emoji character by its description before scoring. It is used
 * when {@code shared/data/lexicons/emoji_utf8_lexicon.txt} exists or is passed explicitly; without it an emoji is an
 * ordinary token with no valence.
 */
public final class Vader implements TextScorer {

    /** The reference's output: proportions of negative, neutral and positive mass (3 decimals) and compound (4). */
    public record Polarity(double neg, double neu, double pos, double compound) {}

    // Empirically derived constants from the paper.
    static final double B_INCR = 0.293;   // a booster word raises the intensity of the next sentiment word
    static final double B_DECR = -0.293;  // a dampener lowers it
    static final double C_INCR = 0.733;   // a sentiment word in ALL CAPS among mixed-case text
    static final double N_SCALAR = -0.74; // negation flips and dampens
    static final double EXCLAMATION_INCR = 0.292; // per '!', at most 4 counted
    static final double QUESTION_INCR = 0.18;     // per '?' when there are 2 or 3
    static final double QUESTION_MAX = 0.96;      // 4 or more '?'
    static final double ALPHA = 15;               // compound = x / sqrt(x² + ALPHA)

    static final Set<String> NEGATIONS = Set.of(
            "aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt",
            "ain't", "aren't", "can't", "couldn't", "daren't", "didn't", "doesn't",
            "dont", "hadnt", "hasnt", "havent", "isnt", "mightnt", "mustnt", "neither",
            "don't", "hadn't", "hasn't", "haven't", "isn't", "mightn't", "mustn't",
            "neednt", "needn't", "never", "none", "nope", "nor", "not", "nothing", "nowhere",
            "oughtnt", "shant", "shouldnt", "uhuh", "wasnt", "werent",
            "oughtn't", "shan't", "shouldn't", "uh-uh", "wasn't", "weren't",
            "without", "wont", "wouldnt", "won't", "wouldn't", "rarely", "seldom", "despite");

    static final Map<String, Double> BOOSTERS = boosters();

    private static Map<String, Double> boosters() {
        Map<String, Double> m = new HashMap<>();
        for (String w : List.of("absolutely", "amazingly", "awfully", "completely", "considerable", "considerably",
                "decidedly", "deeply", "effing", "enormous", "enormously", "entirely", "especially", "exceptional",
                "exceptionally", "extreme", "extremely", "fabulously", "flipping", "flippin", "frackin", "fracking",
                "fricking", "frickin", "frigging", "friggin", "fully", "fuckin", "fucking", "fuggin", "fugging",
                "greatly", "hella", "highly", "hugely", "incredible", "incredibly", "intensely", "major", "majorly",
                "more", "most", "particularly", "purely", "quite", "really", "remarkably", "so", "substantially",
                "thoroughly", "total", "totally", "tremendous", "tremendously", "uber", "unbelievably", "unusually",
                "utter", "utterly", "very")) {
            m.put(w, B_INCR);
        }
        for (String w : List.of("almost", "barely", "hardly", "just enough", "kind of", "kinda", "kindof", "kind-of",
                "less", "little", "marginal", "marginally", "occasional", "occasionally", "partly", "scarce",
                "scarcely", "slight", "slightly", "somewhat", "sort of", "sorta", "sortof", "sort-of")) {
            m.put(w, B_DECR);
        }
        return Map.copyOf(m);
    }

    /** Multi-word expressions whose valence replaces that of the sentiment word inside them. */
    static final Map<String, Double> SPECIAL_CASES = Map.of(
            "the shit", 3.0, "the bomb", 3.0, "bad ass", 1.5, "badass", 1.5, "bus stop", 0.0,
            "yeah right", -2.0, "kiss of death", -1.5, "to die for", 3.0,
            "beating heart", 3.1, "broken heart", -2.9);

    private static final String ASCII_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    private final Map<String, Double> lexicon;   // lower-case token -> mean valence
    private final Map<Integer, String> emojis;   // emoji code point -> English description; may be empty

    private Vader(Map<String, Double> lexicon, Map<Integer, String> emojis) {
        this.lexicon = lexicon;
        this.emojis = emojis;
    }

    /**
     * VADER with the lexicon at {@code shared/data/lexicons/vader_lexicon.txt}, found from the working directory,
     * and the emoji descriptions beside it if {@code emoji_utf8_lexicon.txt} is there.
     */
    public static Vader load() {
        Path lexicon = DataSets.file("lexicons/vader_lexicon.txt");
        Path emojis = lexicon.resolveSibling("emoji_utf8_lexicon.txt");
        return Files.exists(emojis) ? load(lexicon, emojis) : load(lexicon);
    }

    /** VADER with the lexicon at {@code lexiconFile}: token TAB mean TAB std TAB [ratings] per line; no emoji list. */
    public static Vader load(Path lexiconFile) {
        return new Vader(readLexicon(lexiconFile), Map.of());
    }

    /** VADER with a lexicon and an emoji list (emoji TAB its description per line). */
    public static Vader load(Path lexiconFile, Path emojiFile) {
        return new Vader(readLexicon(lexiconFile), readEmojis(emojiFile));
    }

    static Map<Integer, String> readEmojis(Path file) {
        Map<Integer, String> emojis = new HashMap<>();
        List<String> lines = readLines(file);
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty()) continue;
            String[] fields = line.split("\t");
            if (fields.length < 2) {
                throw new IllegalArgumentException(file + ":" + (n + 1) + ": expected emoji TAB description");
            }
            // The text is scanned one code point at a time (as in the reference), so longer sequences never match.
            if (fields[0].codePointCount(0, fields[0].length()) == 1) emojis.put(fields[0].codePointAt(0), fields[1]);
        }
        return Map.copyOf(emojis);
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    static Map<String, Double> readLexicon(Path file) {
        List<String> lines = readLines(file);
        Map<String, Double> lexicon = new HashMap<>();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty()) continue;
            String[] fields = line.split("\t");
            if (fields.length < 2) {
                throw new IllegalArgumentException(file + ":" + (n + 1) + ": expected token TAB mean, got "
                        + fields.length + " field(s)");
            }
            try {
                lexicon.put(fields[0], Double.parseDouble(fields[1]));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(file + ":" + (n + 1) + ": mean rating is not a number: "
                        + fields[1], e);
            }
        }
        if (lexicon.isEmpty()) throw new IllegalArgumentException("empty VADER lexicon " + file);
        return Map.copyOf(lexicon);
    }

    @Override
    public double score(String text) {
        return polarity(text).compound();
    }

    @Override
    public String name() {
        return "vader";
    }

    /** Number of lexicon entries. */
    public int lexiconSize() {
        return lexicon.size();
    }

    /** The reference's {@code polarity_scores}: neg, neu, pos rounded to 3 decimals, compound to 4. */
    public Polarity polarity(String text) {
        text = describeEmojis(text);
        double[] valences = valences(tokens(text));
        if (valences.length == 0) return new Polarity(0, 0, 0, 0);
        double punctuation = punctuationEmphasis(text);
        double compound = normalize(emphasisedSum(valences, punctuation));

        // The +1 / -1 on each sentiment word balances the neutral words, which count 1 each.
        double posSum = 0, negSum = 0;
        int neutralCount = 0;
        for (double v : valences) {
            if (v > 0) posSum += v + 1;
            if (v < 0) negSum += v - 1;
            if (v == 0) neutralCount++;
        }
        if (posSum > Math.abs(negSum)) posSum += punctuation;
        else if (posSum < Math.abs(negSum)) negSum -= punctuation;
        double total = posSum + Math.abs(negSum) + neutralCount;
        return new Polarity(
                round(Math.abs(negSum / total), 3),
                round(Math.abs(neutralCount / total), 3),
                round(Math.abs(posSum / total), 3),
                round(compound, 4));
    }

    /** The unrounded sum-and-squash, for callers that want a smooth value. */
    public double compoundUnrounded(String text) {
        text = describeEmojis(text);
        return normalize(emphasisedSum(valences(tokens(text)), punctuationEmphasis(text)));
    }

    /**
     * Each listed emoji replaced by its description, preceded by a space unless one is already there; as in the
     * reference, no space is added after it.
     */
    String describeEmojis(String text) {
        if (emojis.isEmpty()) return text;
        StringBuilder out = new StringBuilder(text.length());
        boolean previousSpace = true;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            String description = emojis.get(cp);
            if (description != null) {
                if (!previousSpace) out.append(' ');
                out.append(description);
                previousSpace = false;
            } else {
                out.appendCodePoint(cp);
                previousSpace = cp == ' ';
            }
            i += Character.charCount(cp);
        }
        return out.toString().strip();
    }

    /** The sum of valences, moved away from zero by the punctuation emphasis. */
    private static double emphasisedSum(double[] valences, double punctuation) {
        double sum = 0;
        for (double v : valences) sum += v;
        if (sum > 0) return sum + punctuation;
        if (sum < 0) return sum - punctuation;
        return 0;
    }

    /** {@code x / sqrt(x² + 15)}, clipped to [−1, 1]. */
    static double normalize(double score) {
        double n = score / Math.sqrt(score * score + ALPHA);
        return Math.max(-1.0, Math.min(1.0, n));
    }

    /**
     * Whitespace-separated tokens with leading and trailing ASCII punctuation removed, unless fewer than 3 characters
     * would remain: then the token is kept whole, which preserves emoticons such as ":)" and ":D" (and, as in the
     * reference, also keeps the comma in "by,").
     */
    static List<String> tokens(String text) {
        List<String> tokens = new ArrayList<>();
        int i = 0, n = text.length();
        while (i < n) {
            while (i < n && isSpace(text.codePointAt(i))) i += Character.charCount(text.codePointAt(i));
            int start = i;
            while (i < n && !isSpace(text.codePointAt(i))) i += Character.charCount(text.codePointAt(i));
            if (i > start) tokens.add(stripPunctuationIfWord(text.substring(start, i)));
        }
        return tokens;
    }

    private static String stripPunctuationIfWord(String token) {
        int from = 0, to = token.length();
        while (from < to && ASCII_PUNCTUATION.indexOf(token.charAt(from)) >= 0) from++;
        while (to > from && ASCII_PUNCTUATION.indexOf(token.charAt(to - 1)) >= 0) to--;
        String stripped = token.substring(from, to);
        return stripped.codePointCount(0, stripped.length()) <= 2 ? token : stripped;
    }

    /** Python's {@code str.isspace} for the characters that matter in practice. */
    private static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85;
    }

    /** Python's {@code str.isupper}: at least one cased character and no lower-case one (":D" counts as upper). */
    static boolean isUpper(String s) {
        boolean cased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (Character.isLowerCase(cp) || Character.isTitleCase(cp)) return false;
            if (Character.isUpperCase(cp)) cased = true;
            i += Character.charCount(cp);
        }
        return cased;
    }

    /** True when some tokens, but not all, are ALL CAPS: only then does capitalisation signal emphasis. */
    static boolean capsDiffer(List<String> tokens) {
        int upper = 0;
        for (String t : tokens) if (isUpper(t)) upper++;
        return upper > 0 && upper < tokens.size();
    }

    /** One valence per token after every rule, "but" included; 0 for tokens that carry no sentiment. */
    double[] valences(List<String> tokens) {
        double[] valences = valencesBeforeBut(tokens);
        applyBut(lowerCase(tokens), valences);
        return valences;
    }

    private static List<String> lowerCase(List<String> tokens) {
        List<String> lower = new ArrayList<>(tokens.size());
        for (String t : tokens) lower.add(t.toLowerCase(Locale.ROOT));
        return lower;
    }

    /** Every rule but the "but" contrast. */
    double[] valencesBeforeBut(List<String> tokens) {
        int n = tokens.size();
        List<String> lower = lowerCase(tokens);
        boolean capsDiffer = capsDiffer(tokens);

        double[] valences = new double[n];
        for (int i = 0; i < n; i++) {
            String word = lower.get(i);
            // Modifiers carry no valence of their own.
            if (BOOSTERS.containsKey(word)) continue;
            if (i < n - 1 && word.equals("kind") && lower.get(i + 1).equals("of")) continue;
            valences[i] = valence(tokens, lower, capsDiffer, i);
        }
        return valences;
    }

    private double valence(List<String> tokens, List<String> lower, boolean capsDiffer, int i) {
        String word = lower.get(i);
        Double base = lexicon.get(word);
        if (base == null) return 0;
        int n = tokens.size();
        double valence = base;

        // "no" before another sentiment word acts as a negation rather than as a negative word itself.
        if (word.equals("no") && i != n - 1 && lexicon.containsKey(lower.get(i + 1))) valence = 0;
        if ((i > 0 && lower.get(i - 1).equals("no"))
                || (i > 1 && lower.get(i - 2).equals("no"))
                || (i > 2 && lower.get(i - 3).equals("no") && (lower.get(i - 1).equals("or")
                        || lower.get(i - 1).equals("nor")))) {
            valence = base * N_SCALAR;
        }

        if (capsDiffer && isUpper(tokens.get(i))) valence += valence > 0 ? C_INCR : -C_INCR;

        // Look back up to three words; a word that is itself in the lexicon is not a modifier and is skipped.
        for (int back = 0; back < 3; back++) {
            int j = i - (back + 1);
            if (j < 0 || lexicon.containsKey(lower.get(j))) continue;
            double scalar = boosterScalar(tokens.get(j), lower.get(j), valence, capsDiffer);
            if (back == 1) scalar *= 0.95; // a modifier two words away counts a little less
            if (back == 2) scalar *= 0.9;  // and three words away less again
            valence += scalar;
            valence = negationCheck(valence, lower, back, i);
            if (back == 2) valence = specialIdiomsCheck(valence, lower, i);
        }
        return leastCheck(valence, lower, i);
    }

    /** The push a booster or dampener gives, signed to intensify away from zero; ALL CAPS adds emphasis. */
    private static double boosterScalar(String token, String lower, double valence, boolean capsDiffer) {
        Double boost = BOOSTERS.get(lower);
        if (boost == null) return 0;
        double scalar = valence < 0 ? -boost : boost;
        if (capsDiffer && isUpper(token)) scalar += valence > 0 ? C_INCR : -C_INCR;
        return scalar;
    }

    private static boolean negated(String lowerWord) {
        return NEGATIONS.contains(lowerWord) || lowerWord.contains("n't");
    }

    /** Negation by the word {@code back + 1} places before position i; "never so/this" intensifies instead. */
    private static double negationCheck(double valence, List<String> w, int back, int i) {
        if (back == 0) {
            if (negated(w.get(i - 1))) valence *= N_SCALAR;
        } else if (back == 1) {
            if (w.get(i - 2).equals("never") && (w.get(i - 1).equals("so") || w.get(i - 1).equals("this"))) {
                valence *= 1.25;
            } else if (w.get(i - 2).equals("without") && w.get(i - 1).equals("doubt")) {
                // "without doubt" is not a negation
            } else if (negated(w.get(i - 2))) {
                valence *= N_SCALAR;
            }
        } else {
            // As in the reference, the "so"/"this" test on the word just before i stands alone (operator
            // precedence there makes it an `or` of its own), so "... so good" is intensified without "never".
            boolean neverSoThis = w.get(i - 3).equals("never")
                    && (w.get(i - 2).equals("so") || w.get(i - 2).equals("this"));
            boolean soThisJustBefore = w.get(i - 1).equals("so") || w.get(i - 1).equals("this");
            if (neverSoThis || soThisJustBefore) {
                valence *= 1.25;
            } else if (w.get(i - 3).equals("without")
                    && (w.get(i - 2).equals("doubt") || w.get(i - 1).equals("doubt"))) {
                // "without (any) doubt" is not a negation
            } else if (negated(w.get(i - 3))) {
                valence *= N_SCALAR;
            }
        }
        return valence;
    }

    /** Fixed valences for idioms ending at, starting at or around position i; and "kind of"/"sort of" before i. */
    private static double specialIdiomsCheck(double valence, List<String> w, int i) {
        String oneZero = w.get(i - 1) + " " + w.get(i);
        String twoOneZero = w.get(i - 2) + " " + w.get(i - 1) + " " + w.get(i);
        String twoOne = w.get(i - 2) + " " + w.get(i - 1);
        String threeTwoOne = w.get(i - 3) + " " + w.get(i - 2) + " " + w.get(i - 1);
        String threeTwo = w.get(i - 3) + " " + w.get(i - 2);
        for (String seq : List.of(oneZero, twoOneZero, twoOne, threeTwoOne, threeTwo)) {
            Double fixed = SPECIAL_CASES.get(seq);
            if (fixed != null) {
                valence = fixed;
                break;
            }
        }
        int n = w.size();
        if (n - 1 > i) {
            Double fixed = SPECIAL_CASES.get(w.get(i) + " " + w.get(i + 1));
            if (fixed != null) valence = fixed;
        }
        if (n - 1 > i + 1) {
            Double fixed = SPECIAL_CASES.get(w.get(i) + " " + w.get(i + 1) + " " + w.get(i + 2));
            if (fixed != null) valence = fixed;
        }
        // Multi-word boosters and dampeners such as "kind of" and "just enough".
        for (String ngram : List.of(threeTwoOne, threeTwo, twoOne)) {
            Double boost = BOOSTERS.get(ngram);
            if (boost != null) valence += boost;
        }
        return valence;
    }

    /** "least good" negates; "at least" and "very least" do not. */
    private double leastCheck(double valence, List<String> w, int i) {
        if (i > 1 && !lexicon.containsKey(w.get(i - 1)) && w.get(i - 1).equals("least")) {
            if (!w.get(i - 2).equals("at") && !w.get(i - 2).equals("very")) valence *= N_SCALAR;
        } else if (i > 0 && !lexicon.containsKey(w.get(i - 1)) && w.get(i - 1).equals("least")) {
            valence *= N_SCALAR;
        }
        return valence;
    }

    /**
     * Contrast: everything before the first "but" is halved, everything after it weighted 1.5.
     * (The reference locates each valence by value rather than by position, which differs from this only when two
     * valences happen to be equal after scaling.)
     */
    static void applyBut(List<String> lower, double[] valences) {
        int but = lower.indexOf("but");
        if (but < 0) return;
        for (int k = 0; k < valences.length; k++) {
            if (k < but) valences[k] *= 0.5;
            else if (k > but) valences[k] *= 1.5;
        }
    }

    /** Emphasis from '!' (0.292 each, at most 4) and from two or more '?'. */
    static double punctuationEmphasis(String text) {
        int exclamations = 0, questions = 0;
        for (int k = 0; k < text.length(); k++) {
            char c = text.charAt(k);
            if (c == '!') exclamations++;
            if (c == '?') questions++;
        }
        double emphasis = Math.min(exclamations, 4) * EXCLAMATION_INCR;
        if (questions > 1) emphasis += questions <= 3 ? questions * QUESTION_INCR : QUESTION_MAX;
        return emphasis;
    }

    /** Python's {@code round(x, digits)}: correctly rounded from the exact binary value, ties to even. */
    static double round(double x, int digits) {
        return new BigDecimal(x).setScale(digits, RoundingMode.HALF_EVEN).doubleValue();
    }
}
