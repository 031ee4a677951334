package rlhf4j.tensor;

/** Reductions over a set of dims. ARGMAX writes I32 indices into the reduced dim (one dim only). */
public enum ReduceOp {
    SUM, MEAN, MAX, MIN, ARGMAX
}
