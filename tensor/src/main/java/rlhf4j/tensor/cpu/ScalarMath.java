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

    public static float unary(UnaryOp op, float x, float p) {
        return switch (op) {
            case NEG -> -x;
            case EXP -> (float) Math.exp(x);
            case LOG -> (float) Math.log(x);
            case TANH -> (float) Math.tanh(x);
            case SIGMOID -> sigmoid(x);
            case RELU -> x > 0 ? x : 0f;
            case GELU -> 0.5f * x * (1f + (float) Math.tanh(GELU_C * (x + 0.044715f * x * x * x)));
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
            case GELU -> {
                float u = GELU_C * (x + 0.044715f * x * x * x);
                float t = (float) Math.tanh(u);
                float du = GELU_C * (1f + 3f * 0.044715f * x * x);
                yield 0.5f * (1f + t) + 0.5f * x * (1f - t * t) * du;
            }
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
