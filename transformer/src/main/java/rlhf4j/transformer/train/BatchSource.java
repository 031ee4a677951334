package rlhf4j.transformer.train;

/**
 * Training data as a pure function of a batch number: {@code batch(i)} is always the same batch for the same
 * source and seed, so a run resumes exactly from the number of batches it has drawn and nothing else.
 */
public interface BatchSource {

    /** The i-th micro-batch (i ≥ 0). */
    Batch batch(long index);
}
