package rlhf4j.tensor;

/**
 * Elementwise functions of one input. Some take a scalar parameter {@code p} (see each constant).
 * Their derivatives live beside them in {@link Backend#unaryBackward}.
 */
public enum UnaryOp {
    NEG, EXP, LOG, TANH, SIGMOID, RELU,
    /** GPT-2's tanh approximation: 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))). */
    GELU,
    /** x · σ(x), Llama's MLP gate. */
    SILU,
    SQRT, RSQRT, ABS, SQUARE, RECIPROCAL,
    /** log(1 + eˣ), computed stably; −softplus(−x) = log σ(x). */
    SOFTPLUS,
    /** x^p. */
    POW,
    /** x · p. */
    SCALE,
    /** x + p. */
    ADD_SCALAR,
    /** max(x, p). */
    CLAMP_MIN,
    /** min(x, p). */
    CLAMP_MAX,
    /** 1 where x > p else 0. */
    GT_SCALAR
}
