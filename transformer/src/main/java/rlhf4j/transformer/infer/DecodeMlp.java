package rlhf4j.transformer.infer;

/** The feed-forward half of a decoder layer, fused: residual += mlp(x) for a block of rows. */
public interface DecodeMlp {
    /** Features of the first product per row (the hidden scratch width). */
    int hiddenWidth();

    /** Features after the activation per row (the activation scratch width). */
    int activationWidth();

    /** Rows r0..r1−1: residual (rows, C) += mlp(x (rows, C)), using hidden and activation as scratch. */
    void apply(float[] x, float[] hidden, float[] activation, float[] residual, int r0, int r1, boolean vector);
}
