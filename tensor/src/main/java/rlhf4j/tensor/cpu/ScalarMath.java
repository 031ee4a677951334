package rlhf4j.tensor.cpu;

import rlhf4j.tensor.BinaryOp;
import rlhf4j.tensor.UnaryOp;

/**
 * One element of each elementwise op and its local derivative, side by side (micrograd style). The vectorised
 * kernels are tested against these.
 */
public final class ScalarMath {
    private ScalarMath() {}

    static final float GELU_C = (float) Math.sqrt(2.0 / Math.PI);
    static final double GELU_C_D = Math.sqrt(2.0 / Math.PI);

    public static float unary(UnaryOp op, float x, float p) {
        return switch (op) {
            case NEG -> -x;
            case EXP -> (float) Math.exp(x);
            case LOG -> (float) Math.log(x);
            case TANH -> (float) Math.tanh(x);
            case SIGMOID -> sigmoid(x);
            case RELU -> x > 0 ? x : 0f;
            case GELU -> (float) gelu(x);
            case SILU -> x * sigmoid(x);
            case SQRT -> (float) Math.sqrt(x);
            case RSQRT -> (float) (1.0 / Math.sqrt(x));
            case ABS -> Math.abs(x);
            case SQUARE -> x * x;
            case RECIPROCAL -> 1f / x;
            case SOFTPLUS -> softplus(x);
            case POW -> (float) Math.pow(x, p);
            case SCALE -> x * p;
            case ADD_SCALAR -> x + p;
            case CLAMP_MIN -> Math.max(x, p);
            case CLAMP_MAX -> Math.min(x, p);
            case GT_SCALAR -> x > p ? 1f : 0f;
        };
    }

    /** d op(x) / dx, given x and y = op(x). */
    public static float derivative(UnaryOp op, float x, float y, float p) {
        return switch (op) {
            case NEG -> -1f;
            case EXP -> y;                                   // d eˣ = eˣ
            case LOG -> 1f / x;
            case TANH -> 1f - y * y;
            case SIGMOID -> y * (1f - y);
            case RELU -> x > 0 ? 1f : 0f;
            case GELU -> (float) geluDerivative(x);
            case SILU -> {
                float s = sigmoid(x);
                yield s * (1f + x * (1f - s));
            }
            case SQRT -> 0.5f / y;
            case RSQRT -> -0.5f * y * y * y;
            case ABS -> x > 0 ? 1f : x < 0 ? -1f : 0f;
            case SQUARE -> 2f * x;
            case RECIPROCAL -> -y * y;
            case SOFTPLUS -> sigmoid(x);
            case POW -> p * (float) Math.pow(x, p - 1);
            case SCALE -> p;
            case ADD_SCALAR -> 1f;
            case CLAMP_MIN -> x >= p ? 1f : 0f;
            case CLAMP_MAX -> x <= p ? 1f : 0f;
            case GT_SCALAR -> 0f;
        };
    }

    /** 0.5·x·(1 + tanh u), u = √(2/π)·(x + 0.044715·x³), in double: in float, 1 + tanh u cancels for x ≪ 0. */
    static double gelu(double x) {
        return 0.5 * x * (1 + Math.tanh(GELU_C_D * (x + 0.044715 * x * x * x)));
    }

    /** d gelu/dx = 0.5·(1 + tanh u) + 0.5·x·(1 − tanh² u)·du/dx, du/dx = √(2/π)·(1 + 3·0.044715·x²). */
    static double geluDerivative(double x) {
        double t = Math.tanh(GELU_C_D * (x + 0.044715 * x * x * x));
        double du = GELU_C_D * (1 + 3 * 0.044715 * x * x);
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du;
    }

    public static float binary(BinaryOp op, float a, float b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
            case POW -> (float) Math.pow(a, b);
            case EQ -> a == b ? 1f : 0f;
            case GT -> a > b ? 1f : 0f;
            case LT -> a < b ? 1f : 0f;
        };
    }

    public static float sigmoid(float x) {
        return x >= 0 ? 1f / (1f + (float) Math.exp(-x)) : (float) (Math.exp(x) / (1.0 + Math.exp(x)));
    }

    /** log(1 + eˣ) without overflow: max(x, 0) + log1p(e^−|x|). */
    public static float softplus(float x) {
        return (float) (Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))));
    }
}
