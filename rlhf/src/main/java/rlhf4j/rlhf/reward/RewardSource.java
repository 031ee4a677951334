package rlhf4j.rlhf.reward;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import rlhf4j.rlhf.oracle.Oracles;
import rlhf4j.rlhf.oracle.TextScorer;
import rlhf4j.tensor.Device;

/**
 * Where a reward comes from, by one name used everywhere (CLI flags, pipeline, Java):
 * <ul>
 *   <li>{@code rm:DIR}: a pairwise reward model ({@code reward train}); it scores prompt + completion as text, the
 *       way it was trained (re-tokenized by its own tokenizer, no stop token);</li>
 *   <li>{@code classifier:DIR:CLASS}: a classifier ({@code classifier train}, transformer or n-gram); the logit of
 *       CLASS scores the completion ({@code classifier:DIR} keeps the class it was trained to reward);</li>
 *   <li>{@code oracle:vader} or {@code oracle:afinn}: a lexicon oracle scoring the completion.</li>
 * </ul>
 */
public sealed interface RewardSource {
    String USAGE = "rm:DIR, classifier:DIR:CLASS or oracle:vader|afinn";

    /** The reward function, loaded onto {@code device}. */
    RewardFunction load(Device device) throws IOException;

    /** The source as text, parseable by {@link #parse}. */
    String spec();

    /** A pairwise reward model directory. */
    record RewardModelDir(Path dir) implements RewardSource {
        @Override public RewardFunction load(Device device) throws IOException {
            RewardModel rm = RewardModel.load(dir, device);
            return new RewardFunction() {
                @Override public float[] score(List<Sample> batch) {
                    return rm.score(batch.stream().map(s -> new Sample(s.prompt(), s.completion(), null, null)).toList());
                }

                @Override public String name() { return rm.name(); }
            };
        }

        @Override public String spec() { return "rm:" + dir; }
    }

    /** A classifier directory and the class whose logit is the reward (null: the one it was trained to reward). */
    record ClassifierClass(Path dir, String rewardClass) implements RewardSource {
        @Override public TextClassifier load(Device device) throws IOException {
            TextClassifier c = TextClassifier.load(dir, device);
            return rewardClass == null ? c : c.rewarding(rewardClass);
        }

        /** P(class | completion) under the classifier (e.g. P(hate) as toxicity); needs a class. */
        public TextScorer probability(Device device) throws IOException {
            if (rewardClass == null) throw new IllegalArgumentException(spec() + ": name the class, classifier:DIR:CLASS");
            return TextClassifier.load(dir, device).probabilityOf(rewardClass);
        }

        @Override public String spec() { return "classifier:" + dir + (rewardClass == null ? "" : ":" + rewardClass); }
    }

    /** A lexicon oracle by name (vader or afinn). */
    record Oracle(String name) implements RewardSource {
        public Oracle {
            name = name.strip().toLowerCase(Locale.ROOT);
            Oracles.byName(name);                                          // an unknown name fails here, not at load
        }

        /** The oracle itself, scoring a text. */
        public TextScorer scorer() { return Oracles.byName(name); }

        @Override public RewardFunction load(Device device) { return RewardFunction.of(scorer(), false); }

        @Override public String spec() { return "oracle:" + name; }
    }

    /**
     * Parses {@code rm:DIR}, {@code classifier:DIR[:CLASS]} or {@code oracle:NAME}; CLASS is what follows the last
     * colon when there is one after DIR. An IllegalArgumentException names the spec and the forms otherwise.
     */
    static RewardSource parse(String spec) {
        int colon = spec.indexOf(':');
        String kind = colon < 0 ? spec : spec.substring(0, colon), rest = colon < 0 ? "" : spec.substring(colon + 1);
        if (rest.isBlank()) throw new IllegalArgumentException("reward '" + spec + "': expected " + USAGE);
        return switch (kind) {
            case "rm" -> new RewardModelDir(Path.of(rest));
            case "classifier" -> {
                int last = rest.lastIndexOf(':');
                boolean hasClass = last > 0 && last < rest.length() - 1 && !looksLikeDrive(rest, last);
                yield new ClassifierClass(Path.of(hasClass ? rest.substring(0, last) : rest), hasClass ? rest.substring(last + 1) : null);
            }
            case "oracle" -> new Oracle(rest);
            default -> throw new IllegalArgumentException("reward '" + spec + "': expected " + USAGE);
        };
    }

    /** "C:\dir" or "C:/dir": the colon of a Windows drive letter, not a class separator. */
    private static boolean looksLikeDrive(String s, int colon) {
        return colon == 1 && Character.isLetter(s.charAt(0)) && s.length() > 2 && (s.charAt(2) == '\\' || s.charAt(2) == '/');
    }
}
