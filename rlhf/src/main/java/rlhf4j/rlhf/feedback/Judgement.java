package rlhf4j.rlhf.feedback;

import java.time.Instant;
import java.util.Objects;
import rlhf4j.tensor.io.Quote;

/**
 * One labeler's verdict on one prompt's completions under one criterion.
 *
 * @param labelerId who judged: a person's name, {@code "annotator1"}, {@code "sim-bt-T0.5"} ...
 * @param criterion what was judged, e.g. {@code helpfulness}, {@code harmlessness}, {@code toxicity}, {@code sentiment}
 * @param promptId  the prompt whose completions were ranked
 * @param ranking   the completion ids, best first, ties allowed; empty when the item was flagged unusable
 * @param time      when the verdict was given; {@code null} when unknown (imported data)
 * @param unusable  the labeler flagged the item (prompt or completions) as unfit to judge
 * @param comment   the labeler's free-text note; {@code null} when none
 */
public record Judgement(String labelerId, String criterion, String promptId, Ranking ranking, Instant time,
                        boolean unusable, String comment) {
    public Judgement {
        Objects.requireNonNull(labelerId, "labelerId");
        Objects.requireNonNull(criterion, "criterion");
        Objects.requireNonNull(promptId, "promptId");
        Objects.requireNonNull(ranking, "ranking");
        if (!unusable && ranking.size() < 2) {
            throw new IllegalArgumentException("judgement of prompt " + Quote.cap(promptId) + " by " + Quote.cap(labelerId)
                    + " ranks fewer than 2 completions and is not flagged unusable");
        }
    }

    /** A usable judgement without comment. */
    public static Judgement of(String labelerId, String criterion, String promptId, Ranking ranking, Instant time) {
        return new Judgement(labelerId, criterion, promptId, ranking, time, false, null);
    }

    /** A flagged item: no ranking, an optional comment. */
    public static Judgement flagged(String labelerId, String criterion, String promptId, Instant time, String comment) {
        return new Judgement(labelerId, criterion, promptId, Ranking.empty(), time, true, comment);
    }

    /** The item this judgement is about: criterion, prompt and the set of ranked completions. */
    public ItemKey item() { return ItemKey.of(criterion, promptId, ranking.ids()); }
}
