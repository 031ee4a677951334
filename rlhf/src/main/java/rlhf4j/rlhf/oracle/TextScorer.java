package rlhf4j.rlhf.oracle;

/**
 * A number for a text: higher is better under some criterion (sentiment, politeness, "not hate" ...).
 * Oracles (VADER, AFINN), trained classifiers and reward models all present themselves this way to the simulated
 * labelers and to evaluation.
 */
@FunctionalInterface
public interface TextScorer {
    double score(String text);

    /** A short name for reports, e.g. "vader" or "afinn". */
    default String name() { return getClass().getSimpleName(); }
}
