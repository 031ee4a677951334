// Elementwise kernels: unary ops and their derivatives, binary ops with broadcasting, and where.
// Every operand is a strided Layout over the same shape (broadcast inputs have stride 0), so views need no copy.
// The math mirrors rlhf4j.tensor.cpu.ScalarMath line by line; the op codes are the Java enums' ordinals
// (a unit test checks the two lists agree).
#include "common.cuh"

// rlhf4j.tensor.UnaryOp, in declaration order.
enum UnaryOp {
    NEG, EXP, LOG, TANH, SIGMOID, RELU, GELU, SILU, SQRT, RSQRT, ABS, SQUARE, RECIPROCAL, SOFTPLUS,
    POW, SCALE, ADD_SCALAR, CLAMP_MIN, CLAMP_MAX, GT_SCALAR
};

// rlhf4j.tensor.BinaryOp, in declaration order.
enum BinaryOp { ADD, SUB, MUL, DIV, MAX, MIN, POW2, EQ, GT, LT };

#define GELU_C 0.7978845608028654f   // √(2/π)

__device__ __forceinline__ float sigmoid(float x) {
    if (x >= 0.f) return 1.f / (1.f + expf(-x));
    float e = expf(x);
    return e / (1.f + e);
}

// log(1 + eˣ) without overflow: max(x, 0) + log1p(e^−|x|).
__device__ __forceinline__ float softplus(float x) { return fmaxf(x, 0.f) + log1pf(expf(-fabsf(x))); }

__device__ float unary_value(int op, float x, float p) {
    switch (op) {
        case NEG: return -x;
        case EXP: return expf(x);
        case LOG: return logf(x);
        case TANH: return tanhf(x);
        case SIGMOID: return sigmoid(x);
        case RELU: return x > 0.f ? x : 0.f;
        case GELU: return 0.5f * x * (1.f + tanhf(GELU_C * (x + 0.044715f * x * x * x)));
        case SILU: return x * sigmoid(x);
        case SQRT: return sqrtf(x);
        case RSQRT: return 1.f / sqrtf(x);
        case ABS: return fabsf(x);
        case SQUARE: return x * x;
        case RECIPROCAL: return 1.f / x;
        case SOFTPLUS: return softplus(x);
        case POW: return powf(x, p);
        case SCALE: return x * p;
        case ADD_SCALAR: return x + p;
        case CLAMP_MIN: return (x != x) ? x : fmaxf(x, p);   // NaN stays NaN, as Math.max does
        case CLAMP_MAX: return (x != x) ? x : fminf(x, p);
        case GT_SCALAR: return x > p ? 1.f : 0.f;
    }
    return __int_as_float(0x7fc00000);                   // unknown op: NaN, so a test cannot miss it
}

// d op(x) / dx given x and y = op(x) (the local gradient each op states in ScalarMath.derivative).
__device__ float unary_derivative(int op, float x, float y, float p) {
    switch (op) {
        case NEG: return -1.f;
        case EXP: return y;                              // d eˣ = eˣ
        case LOG: return 1.f / x;
        case TANH: return 1.f - y * y;
        case SIGMOID: return y * (1.f - y);
        case RELU: return x > 0.f ? 1.f : 0.f;
        case GELU: {
            float t = tanhf(GELU_C * (x + 0.044715f * x * x * x));
            float du = GELU_C * (1.f + 3.f * 0.044715f * x * x);
            return 0.5f * (1.f + t) + 0.5f * x * (1.f - t * t) * du;
        }
        case SILU: {
            float s = sigmoid(x);
            return s * (1.f + x * (1.f - s));
        }
        case SQRT: return 0.5f / y;
        case RSQRT: return -0.5f * y * y * y;
        case ABS: return x > 0.f ? 1.f : (x < 0.f ? -1.f : 0.f);
        case SQUARE: return 2.f * x;
        case RECIPROCAL: return -y * y;
        case SOFTPLUS: return sigmoid(x);
        case POW: return p * powf(x, p - 1.f);
        case SCALE: return p;
        case ADD_SCALAR: return 1.f;
        case CLAMP_MIN: return x >= p ? 1.f : 0.f;
        case CLAMP_MAX: return x <= p ? 1.f : 0.f;
        case GT_SCALAR: return 0.f;
    }
    return __int_as_float(0x7fc00000);
}

__device__ float binary_value(int op, float a, float b) {
    switch (op) {
        case ADD: return a + b;
        case SUB: return a - b;
        case MUL: return a * b;
        case DIV: return a / b;
        case MAX: return max_nan(a, b);
        case MIN: return min_nan(a, b);
        case POW2: return powf(a, b);
        case EQ: return a == b ? 1.f : 0.f;
        case GT: return a > b ? 1.f : 0.f;
        case LT: return a < b ? 1.f : 0.f;
    }
    return __int_as_float(0x7fc00000);
}

// out = op(x, p)
extern "C" __global__ void unary_f32(int op, float p, long long n,
                                     Layout lx, const float* x, Layout lout, float* out) {
    GRID_STRIDE_LOOP(i, n) out[element_offset(lout, i)] = unary_value(op, x[element_offset(lx, i)], p);
}

// dx = dy · op'(x)
extern "C" __global__ void unary_backward_f32(int op, float p, long long n,
                                              Layout lx, const float* x, Layout ly, const float* y,
                                              Layout ldy, const float* dy, Layout ldx, float* dx) {
    GRID_STRIDE_LOOP(i, n) {
        float d = unary_derivative(op, x[element_offset(lx, i)], y[element_offset(ly, i)], p);
        dx[element_offset(ldx, i)] = dy[element_offset(ldy, i)] * d;
    }
}

// out = op(a, b); a and b are already broadcast to out's shape (stride 0 where expanded).
extern "C" __global__ void binary_f32(int op, long long n, Layout la, const float* a, Layout lb, const float* b,
                                      Layout lout, float* out) {
    GRID_STRIDE_LOOP(i, n)
        out[element_offset(lout, i)] = binary_value(op, a[element_offset(la, i)], b[element_offset(lb, i)]);
}

// out = cond != 0 ? a : b; cond is F32 or I32 (cond_is_float), read as raw 32-bit words.
extern "C" __global__ void where_f32(long long n, int cond_is_float, Layout lc, const int* cond,
                                     Layout la, const float* a, Layout lb, const float* b,
                                     Layout lout, float* out) {
    GRID_STRIDE_LOOP(i, n) {
        int c = cond[element_offset(lc, i)];
        bool take_a = cond_is_float ? (__int_as_float(c) != 0.f) : (c != 0);
        out[element_offset(lout, i)] = take_a ? a[element_offset(la, i)] : b[element_offset(lb, i)];
    }
}
