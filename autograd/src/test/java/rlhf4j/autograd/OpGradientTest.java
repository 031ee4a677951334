package rlhf4j.autograd;

import static rlhf4j.autograd.TestData.distinct;
import static rlhf4j.autograd.TestData.positive;
import static rlhf4j.autograd.TestData.randn;

import org.junit.jupiter.api.Test;
import rlhf4j.tensor.Tensor;

/** A finite-difference gradient check for every differentiable op, with broadcast and non-contiguous inputs. */
class OpGradientTest {
    private final GradCheck check = GradCheck.standard();

    // ---- arithmetic with broadcasting ----------------------------------------------------------------------

    @Test void addSubMulDivSameShape() {
        check.check("add", v -> v[0].add(v[1]), randn(1, 2, 3), randn(2, 2, 3));
        check.check("sub", v -> v[0].sub(v[1]), randn(1, 2, 3), randn(2, 2, 3));
        check.check("mul", v -> v[0].mul(v[1]), randn(1, 2, 3), randn(2, 2, 3));
        check.check("div", v -> v[0].div(v[1]), randn(1, 2, 3), positive(2, 2, 3));
    }

    @Test void arithmeticBroadcastsAndSumsGradientsBack() {
        // (2, 3, 4) with (3, 1), (4) and a scalar-shaped (1, 1, 1): gradients must be summed to each shape
        check.check("add bcast", v -> v[0].add(v[1]), randn(3, 2, 3, 4), randn(4, 3, 1));
        check.check("sub bcast", v -> v[0].sub(v[1]), randn(5, 4), randn(6, 2, 3, 4));
        check.check("mul bcast", v -> v[0].mul(v[1]), randn(7, 2, 3, 4), randn(8, 1, 1, 1));
        check.check("div bcast", v -> v[0].div(v[1]), randn(9, 2, 1, 4), positive(10, 3, 1));
        check.check("pow bcast", v -> v[0].pow(v[1]), positive(11, 2, 3), randn(12, 3));
    }

    @Test void scalarVariants() {
        check.check("add c", v -> v[0].add(1.5), randn(1, 2, 3));
        check.check("sub c", v -> v[0].sub(0.5), randn(1, 2, 3));
        check.check("mul c", v -> v[0].mul(-2.5), randn(1, 2, 3));
        check.check("div c", v -> v[0].div(4), randn(1, 2, 3));
        check.check("rsub c", v -> v[0].rsub(1), randn(1, 2, 3));
        check.check("neg", v -> v[0].neg(), randn(1, 2, 3));
        check.check("pow 3", v -> v[0].pow(3), randn(1, 2, 3));
        check.check("pow -1.5", v -> v[0].pow(-1.5), positive(2, 2, 3));
    }

    @Test void maximumMinimum() {
        check.check("maximum", v -> v[0].maximum(v[1]), distinct(1, 2, 3), distinct(2, 2, 3).add(0.05));
        check.check("minimum bcast", v -> v[0].minimum(v[1]), distinct(3, 2, 3), distinct(4, 3).add(0.05));
    }

    // ---- elementwise functions -----------------------------------------------------------------------------

    @Test void unaryFunctions() {
        Tensor x = randn(21, 3, 4);
        check.check("exp", v -> v[0].exp(), x);
        check.check("tanh", v -> v[0].tanh(), x);
        check.check("sigmoid", v -> v[0].sigmoid(), x);
        check.check("relu", v -> v[0].relu(), x);
        check.check("gelu", v -> v[0].gelu(), x);
        check.check("silu", v -> v[0].silu(), x);
        check.check("softplus", v -> v[0].softplus(), x);
        check.check("abs", v -> v[0].abs(), x);
        check.check("square", v -> v[0].square(), x);
        check.check("clamp", v -> v[0].clamp(-0.5, 0.55), x);
        Tensor p = positive(22, 3, 4);
        check.check("log", v -> v[0].log(), p);
        check.check("sqrt", v -> v[0].sqrt(), p);
        check.check("rsqrt", v -> v[0].rsqrt(), p);
        check.check("reciprocal", v -> v[0].reciprocal(), p);
    }

    @Test void unaryOnNonContiguousInput() {
        check.check("gelu of transposed", v -> v[0].gelu(), randn(23, 4, 3).transpose(0, 1));
        check.check("exp of narrowed", v -> v[0].exp(), randn(24, 3, 8).narrow(1, 2, 4));
    }

    // ---- matmul --------------------------------------------------------------------------------------------

    @Test void matmul2d() {
        check.check("matmul", v -> v[0].matmul(v[1]), randn(31, 3, 4), randn(32, 4, 2));
    }

    @Test void matmulTransposedAndNarrowedOperands() {
        check.check("matmul aT", v -> v[0].matmul(v[1]), randn(33, 4, 3).transpose(0, 1), randn(34, 4, 2));
        check.check("matmul bT", v -> v[0].matmul(v[1].mT()), randn(35, 3, 4), randn(36, 2, 4));
        check.check("matmul narrowed", v -> v[0].matmul(v[1]), randn(37, 3, 9).narrow(1, 3, 4), randn(38, 4, 2));
    }

    /** A weight in two products: the second GEMM accumulates into the gradient buffer the first one wrote. */
    @Test void matmulWeightUsedTwiceAccumulates() {
        check.check("shared weight", v -> v[0].matmul(v[1]).add(v[2].matmul(v[1]).mul(2)),
                randn(51, 3, 4), randn(52, 4, 2), randn(53, 3, 4));
        check.check("folded 3d @ shared weight", v -> v[0].matmul(v[1]).add(v[0].matmul(v[1])),
                randn(54, 2, 3, 4), randn(55, 4, 5));
    }

    @Test void batchedMatmulBroadcastsBatchDims() {
        check.check("bmm", v -> v[0].matmul(v[1]), randn(41, 2, 3, 4), randn(42, 2, 4, 2));
        check.check("bmm bcast", v -> v[0].matmul(v[1]), randn(43, 2, 1, 3, 4), randn(44, 3, 4, 2));
        check.check("3d @ 2d (shared weight)", v -> v[0].matmul(v[1]), randn(45, 2, 3, 4), randn(46, 4, 5));
        check.check("matrix @ vector", v -> v[0].matmul(v[1]), randn(47, 3, 4), randn(48, 4));
    }

    // ---- views and layout ----------------------------------------------------------------------------------

    @Test void viewsAndLayout() {
        Tensor x = randn(51, 2, 3, 4);
        check.check("transpose", v -> v[0].transpose(0, 2), x);
        check.check("permute", v -> v[0].permute(2, 0, 1).mul(v[0].permute(2, 0, 1).sigmoid()), x);
        check.check("reshape", v -> v[0].reshape(6, 4).mul(randn(52, 6, 4)), x);
        check.check("reshape of transposed", v -> v[0].transpose(0, 1).reshape(-1).mul(randn(53, 24)), x);
        check.check("view", v -> v[0].view(4, 6), x);
        check.check("narrow", v -> v[0].narrow(2, 1, 2), x);
        check.check("select", v -> v[0].select(1, -1), x);
        check.check("squeeze/unsqueeze", v -> v[0].unsqueeze(1).mul(v[0].unsqueeze(1)).squeeze(1), randn(54, 3, 4));
        check.check("expand", v -> v[0].expand(2, 3, 4).mul(randn(55, 2, 3, 4)), randn(56, 3, 1));
        check.check("contiguous", v -> v[0].contiguous(), randn(57, 4, 3).transpose(0, 1));
        check.check("chunk", v -> {
            Variable[] qkv = v[0].chunk(3, -1);
            return qkv[0].mul(qkv[1]).add(qkv[2]);
        }, randn(58, 2, 6));
    }

    @Test void catAndStack() {
        check.check("cat", v -> Variable.cat(1, v[0], v[1], v[0]), randn(61, 2, 3), randn(62, 2, 1));
        check.check("stack", v -> Variable.stack(0, v[0], v[1]).mul(randn(63, 2, 2, 3)), randn(64, 2, 3),
                randn(65, 4, 2).transpose(0, 1).narrow(1, 0, 3));
    }

    // ---- reductions ----------------------------------------------------------------------------------------

    @Test void sumAndMean() {
        Tensor x = randn(71, 2, 3, 4);
        check.check("sum all", v -> v[0].sum(), x);
        check.check("sum dims", v -> v[0].sum(0, 2), x);
        check.check("sum keepDim", v -> v[0].sum(true, 1).mul(v[0]), x);
        check.check("mean all", v -> v[0].mean(), x);
        check.check("mean dim", v -> v[0].mean(-1), x);
        check.check("mean keepDim", v -> v[0].sub(v[0].mean(true, -1)), x);
        check.check("sum of transposed", v -> v[0].sum(1), randn(72, 4, 3).transpose(0, 1));
    }

    @Test void maxAndMin() {
        Tensor x = distinct(81, 2, 3, 4);
        check.check("max dim", v -> v[0].max(1), x);
        check.check("max keepDim", v -> v[0].max(true, -1).mul(v[0]), x);
        check.check("max all", v -> v[0].max(), x);
        check.check("min dims", v -> v[0].min(0, 2), x);
    }

    // ---- selection -----------------------------------------------------------------------------------------

    @Test void whereAndMaskedFill() {
        Tensor cond = Tensor.of(new float[]{1, 0, 1, 0, 0, 1}, 2, 3);
        check.check("where", v -> Variable.where(cond, v[0], v[1]), randn(91, 2, 3), randn(92, 3));
        Tensor mask = Tensor.of(new float[]{0, 1, 1}, 3);
        check.check("maskedFill", v -> v[0].maskedFill(mask, -1e4).mul(v[0]), randn(93, 2, 3));
    }
}
