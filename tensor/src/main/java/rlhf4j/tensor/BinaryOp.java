package rlhf4j.tensor;

/** Elementwise functions of two inputs broadcast to one shape. Comparisons give 1.0 or 0.0. */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, MAX, MIN, POW, EQ, GT, LT
}
