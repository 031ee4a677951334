package rlhf4j.rlhf.serve;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Ranking;
import rlhf4j.rlhf.serve.LabelingService.Submission;
import rlhf4j.tensor.io.Quote;

/** What a submission must hold before it is stored. */
final class SubmissionCheck {
    private SubmissionCheck() {}

    /** Longest submission id and comment accepted. */
    static final int MAX_ID = 128, MAX_COMMENT = 10_000;

    /** The checks that need no database: ids present and short, score 1..7, known flags, a bounded comment. */
    static Judgement.Notes basic(Submission s) {
        if (s == null) throw new IllegalArgumentException("no submission");
        if (s.submissionId() == null || s.submissionId().isBlank() || s.submissionId().length() > MAX_ID)
            throw new IllegalArgumentException("a submission needs a submission id of 1.." + MAX_ID + " characters");
        if (s.promptId() == null) throw new IllegalArgumentException("a submission needs a prompt id");
        if (s.comment() != null && s.comment().length() > MAX_COMMENT)
            throw new IllegalArgumentException("comment longer than " + MAX_COMMENT + " characters");
        return new Judgement.Notes(s.score(), s.flags(), s.comment());   // throws on a bad score or an unknown flag
    }

    /**
     * The ranking to store: empty for a skip; for an item flagged unusable, empty or a full ranking; otherwise every
     * shown completion exactly once (ties allowed), so that all judgements of an item rank the same set.
     */
    static Ranking ranking(Submission s, List<String> shown) {
        Ranking r = s.ranking() == null ? Ranking.empty() : s.ranking();
        boolean unusable = s.flags() != null && new Judgement.Notes(null, s.flags(), null).flags().contains(Judgement.UNUSABLE);
        if (s.skipped() || (unusable && r.isEmpty())) return Ranking.empty();
        Set<String> expected = new HashSet<>(shown), given = new HashSet<>(r.ids());
        if (!given.equals(expected)) {
            throw new IllegalArgumentException("the ranking of item " + Quote.cap(s.promptId()) + " must hold each of its "
                    + shown.size() + " completions once, got " + Quote.cap(r.toString()));
        }
        return r;
    }
}
