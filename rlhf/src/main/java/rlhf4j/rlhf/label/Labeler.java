package rlhf4j.rlhf.label;

import rlhf4j.rlhf.feedback.Judgement;

/** An automatic labeler: ranks the completions of an item under its criterion. */
public interface Labeler {
    /** The labeler id written into its judgements. */
    String id();

    /** The criterion it judges. */
    String criterion();

    Judgement judge(LabelItem item);
}
