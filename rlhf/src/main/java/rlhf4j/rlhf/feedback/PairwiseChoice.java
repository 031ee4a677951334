package rlhf4j.rlhf.feedback;

/** What one ranking says about an ordered pair of completions (a, b). */
public enum PairwiseChoice {
    /** a is ranked above b */
    FIRST,
    /** b is ranked above a */
    SECOND,
    /** a and b share a tier */
    TIE;

    /** The same choice seen from the pair (b, a). */
    public PairwiseChoice swapped() {
        return switch (this) {
            case FIRST -> SECOND;
            case SECOND -> FIRST;
            case TIE -> TIE;
        };
    }
}
