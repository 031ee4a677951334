package rlhf4j.rlhf.feedback;

import java.time.Instant;
import java.util.Collections;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import rlhf4j.tensor.io.Quote;

/**
 * One labeler's verdict on one prompt's completions under one criterion.
 *
 * @param labelerId who judged: a person's name, {@code "annotator1"}, {@code "sim-bt-T0.5"} ...
 * @param criterion what was judged, e.g. {@code helpfulness}, {@code harmlessness}, {@code toxicity}, {@code sentiment}
 * @param promptId  the prompt whose completions were ranked
 * @param ranking   the completion ids, best first, ties allowed; empty when the item was flagged unusable
 * @param time      when the verdict was given; {@code null} when unknown (imported data)
 * @param notes     the labeler's flags ({@value #UNUSABLE}, {@value #HARMFUL}), 1–7 score and comment
 */
public record Judgement(String labelerId, String criterion, String promptId, Ranking ranking, Instant time, Notes notes) {
    /** The flag of an item that cannot be judged fairly (its ranking may be empty). */
    public static final String UNUSABLE = "unusable";
    /** The flag of an item whose prompt or completions could cause harm (InstructGPT's metadata). */
    public static final String HARMFUL = "harmful";
    /** The flags a judgement may carry. */
    public static final Set<String> FLAGS = Set.of(UNUSABLE, HARMFUL);

    /**
     * What a labeler said besides the ranking, as InstructGPT's labelers did.
     *
     * @param score   overall quality of the best completion on a 1..7 Likert scale, or {@code null}
     * @param flags   a subset of {@link #FLAGS}, kept sorted
     * @param comment free text, or {@code null}
     */
    public record Notes(Integer score, Set<String> flags, String comment) {
        public static final Notes NONE = new Notes(null, Set.of(), null);

        public Notes {
            if (score != null && (score < 1 || score > 7)) throw new IllegalArgumentException("score " + score + " must be in 1..7");
            TreeSet<String> sorted = new TreeSet<>();
            for (String f : flags == null ? Set.<String>of() : flags) {
                String flag = Objects.requireNonNull(f, "flag").strip().toLowerCase(Locale.ROOT);
                if (!FLAGS.contains(flag))
                    throw new IllegalArgumentException("unknown flag " + Quote.cap(f) + " (expected " + UNUSABLE + " or " + HARMFUL + ")");
                sorted.add(flag);
            }
            flags = Collections.unmodifiableSet(sorted);
        }

        /** Only the unusable flag (when set) and a comment: what judgements carried before scores and other flags. */
        public static Notes of(boolean unusable, String comment) {
            return new Notes(null, unusable ? Set.of(UNUSABLE) : Set.of(), comment);
        }

        public Notes withScore(Integer s) { return new Notes(s, flags, comment); }
        public Notes withFlags(Set<String> f) { return new Notes(score, f, comment); }
        public Notes withComment(String c) { return new Notes(score, flags, c); }
    }

    public Judgement {
        Objects.requireNonNull(labelerId, "labelerId");
        Objects.requireNonNull(criterion, "criterion");
        Objects.requireNonNull(promptId, "promptId");
        Objects.requireNonNull(ranking, "ranking");
        notes = notes == null ? Notes.NONE : notes;
        if (!notes.flags().contains(UNUSABLE) && ranking.size() < 2) {
            throw new IllegalArgumentException("judgement of prompt " + Quote.cap(promptId) + " by " + Quote.cap(labelerId)
                    + " ranks fewer than 2 completions and is not flagged unusable");
        }
    }

    /** A judgement with only the unusable flag (when set) and a comment, no score. */
    public Judgement(String labelerId, String criterion, String promptId, Ranking ranking, Instant time,
                     boolean unusable, String comment) {
        this(labelerId, criterion, promptId, ranking, time, Notes.of(unusable, comment));
    }

    /** A usable judgement without comment. */
    public static Judgement of(String labelerId, String criterion, String promptId, Ranking ranking, Instant time) {
        return new Judgement(labelerId, criterion, promptId, ranking, time, false, null);
    }

    /** A flagged item: no ranking, an optional comment. */
    public static Judgement flagged(String labelerId, String criterion, String promptId, Instant time, String comment) {
        return new Judgement(labelerId, criterion, promptId, Ranking.empty(), time, true, comment);
    }

    /** The labeler flagged the item (prompt or completions) as unfit to judge; it takes no part in agreement or pairs. */
    public boolean unusable() { return notes.flags().contains(UNUSABLE); }

    /** The labeler flagged the item as harmful (it is still ranked unless also unusable). */
    public boolean harmful() { return notes.flags().contains(HARMFUL); }

    /** The labeler's free-text note; {@code null} when none. */
    public String comment() { return notes.comment(); }

    /** The 1..7 overall score; {@code null} when none was given. */
    public Integer score() { return notes.score(); }

    /** The item this judgement is about: criterion, prompt and the set of ranked completions. */
    public ItemKey item() { return ItemKey.of(criterion, promptId, ranking.ids()); }
}
