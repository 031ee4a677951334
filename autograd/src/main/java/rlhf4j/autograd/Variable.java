package rlhf4j.autograd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.function.Supplier;
import rlhf4j.tensor.BinaryOp;
import rlhf4j.tensor.DType;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.ReduceOp;
import rlhf4j.tensor.Shapes;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.UnaryOp;

/**
 * A tensor value that remembers how it was computed, so that {@link #backward()} can send gradients back to the
 * leaves (parameters and inputs) that need them: reverse-mode automatic differentiation.
 *
 * <pre>{@code
 * Variable h = x.matmul(w).add(b).gelu();   // each op records its inputs and a backward closure
 * Variable loss = h.square().mean();
 * loss.backward();                          // w.grad() and b.grad() now hold dloss/dw and dloss/db
 * }</pre>
 *
 * <p>Every op below states its local gradient where it is defined: given dy = dloss/dy for its output y, the
 * closure computes dloss/dx for each input x and hands it to {@link #accumulateGrad}. Gradients of inputs that
 * were broadcast are summed back to the input's shape there, once, for every op.
 *
 * <p>Memory: op results and intermediate gradients are ordinary tensors, freed with the enclosing
 * {@link MemoryScope}. A leaf's gradient is a long-lived buffer that later backward passes add into
 * ({@code grad += ...}), so a parameter's {@code .grad} survives the step scope. After {@code backward()} the graph
 * is freed: closures, saved tensors and intermediate gradients are dropped.
 */
public sealed class Variable permits Parameter {

    /** Sends dloss/dy (the gradient of this node's value) to the node's inputs. */
    @FunctionalInterface
    interface Backward {
        void apply(Tensor dy);
    }

    private static final Variable[] NO_PARENTS = new Variable[0];

    private final Tensor value;
    private final boolean requiresGrad;
    private final String op;                 // the op that made this value ("leaf" for inputs and parameters)
    private final boolean leaf;              // made by no recorded op: gradients end here and accumulate
    private Variable[] parents;
    private Backward backwardFn;
    private Tensor grad;
    private boolean graphFreed;
    private boolean retainGrad;              // keep an intermediate gradient after backward (for inspection)

    Variable(Tensor value, boolean requiresGrad, String op, Variable[] parents, Backward backwardFn) {
        if (value == null) throw new IllegalArgumentException("a Variable needs a value");
        if (requiresGrad && value.dtype() != DType.F32)
            throw new IllegalArgumentException("only F32 tensors can require gradients, got " + value);
        this.value = value;
        this.requiresGrad = requiresGrad;
        this.op = op;
        this.parents = parents;
        this.backwardFn = backwardFn;
        this.leaf = backwardFn == null;
    }

    // ============================================================================================ creation

    /** A constant: an input that needs no gradient (token ids, masks, targets, data). */
    public static Variable constant(Tensor value) { return new Variable(value, false, "leaf", NO_PARENTS, null); }

    /** A leaf whose gradient backward() accumulates into {@link #grad()}. */
    public static Variable leaf(Tensor value) { return new Variable(value, true, "leaf", NO_PARENTS, null); }

    /**
     * The result of an op. It joins the graph (keeps its parents and backward closure) only when recording is on
     * and some parent requires a gradient; otherwise it is a plain constant and the closure is dropped at once.
     */
    static Variable fromOp(String op, Tensor value, Backward backward, Variable... parents) {
        if (Grad.isEnabled())
            for (Variable p : parents)
                if (p.requiresGrad) return new Variable(value, true, op, parents.clone(), backward);
        return new Variable(value, false, op, NO_PARENTS, null);
    }

    // ============================================================================================ accessors

    public Tensor value() { return value; }

    /** The accumulated gradient dloss/dthis, or null when none has arrived yet. */
    public Tensor grad() { return grad; }

    public boolean requiresGrad() { return requiresGrad; }

    /** True for inputs and parameters, false for values computed by an op that is part of a graph. */
    public boolean isLeaf() { return leaf; }

    /** The op that produced this value ("leaf" for inputs). */
    public String op() { return op; }

    public int[] shape() { return value.shape(); }

    public int dim() { return value.dim(); }

    public int size(int dim) { return value.size(dim); }

    public long numel() { return value.numel(); }

    /** The single value (copies to the host). */
    public float item() { return value.item(); }

    /** The same value cut off from the graph: gradients stop here. */
    public Variable detach() { return constant(value); }

    /** Clears this leaf's gradient: zeroes the long-lived buffer in place so it is reused next step. */
    public void zeroGrad() { if (grad != null) grad.fill(0); }

    /** Keeps this intermediate value's gradient after backward() (leaves always keep theirs). Returns this. */
    public Variable retainGrad() {
        retainGrad = true;
        return this;
    }

    /** Drops this leaf's gradient buffer entirely (frees it on the next GC or explicit close). */
    public void clearGrad() { grad = null; }

    /** Makes a long-lived buffer of this leaf's shape its gradient; backward then accumulates into it in place. */
    void useGradBuffer(Tensor buffer) {
        if (!leaf) throw new IllegalStateException("only a leaf keeps a gradient buffer");
        if (!java.util.Arrays.equals(buffer.shape(), value.shape()) || buffer.dtype() != DType.F32 || !buffer.isContiguous())
            throw new IllegalArgumentException("gradient buffer " + buffer + " does not fit " + this);
        grad = buffer;
    }

    @Override public String toString() {
        return "Variable" + Shapes.str(value.shape()) + (requiresGrad ? " op=" + op : "");
    }

    // ============================================================================================ backward

    /** Backpropagates from a one-element value (a loss), seeding dloss/dloss = 1. */
    public void backward() {
        if (numel() != 1)
            throw new IllegalStateException("backward() without a gradient needs a one-element value, this has shape "
                    + Shapes.str(shape()) + "; pass the seed gradient: backward(dy)");
        backward(value.emptyLike().fill(1));
    }

    /**
     * Backpropagates with a given seed gradient of this value's shape: visits the graph in reverse topological
     * order, so each node's gradient is complete (all consumers have added their share) before it is passed on.
     * Frees the graph afterwards.
     */
    public void backward(Tensor seed) {
        if (!requiresGrad)
            throw new IllegalStateException("backward() on a value that does not require a gradient: no input of it"
                    + " requires one, or it was computed inside Grad.off()");
        if (!Arrays.equals(seed.shape(), value.shape()))
            throw new IllegalArgumentException("seed gradient shape " + Shapes.str(seed.shape()) + " differs from value shape "
                    + Shapes.str(value.shape()));
        List<Variable> order = topologicalOrder();
        for (Variable node : order)
            if (node.graphFreed)
                throw new IllegalStateException("backward() through a graph that an earlier backward() already freed"
                        + " (a " + node.op + " result); recompute the forward pass");
        accumulateGrad(seed);
        for (int i = order.size() - 1; i >= 0; i--) {
            Variable node = order.get(i);
            if (node.leaf) continue;                          // its grad stays for the optimizer
            if (node.grad != null) node.backwardFn.apply(node.grad);
            node.freeGraph();
        }
    }

    /** Nodes reachable from this one, every node after all of its inputs (iterative DFS, so deep graphs are fine). */
    private List<Variable> topologicalOrder() {
        List<Variable> order = new ArrayList<>();
        IdentityHashMap<Variable, Boolean> visited = new IdentityHashMap<>();
        ArrayDeque<Variable> nodes = new ArrayDeque<>();
        ArrayDeque<Integer> nextParent = new ArrayDeque<>();
        nodes.push(this);
        nextParent.push(0);
        visited.put(this, true);
        while (!nodes.isEmpty()) {
            Variable node = nodes.peek();
            int i = nextParent.pop();
            if (i < node.parents.length) {
                nextParent.push(i + 1);
                Variable p = node.parents[i];
                if (p.requiresGrad && visited.put(p, true) == null) {
                    nodes.push(p);
                    nextParent.push(0);
                }
            } else {
                nodes.pop();
                order.add(node);
            }
        }
        return order;
    }

    /** Drops what backward needed (closure, saved tensors, inputs, intermediate gradient). */
    private void freeGraph() {
        backwardFn = null;
        parents = NO_PARENTS;
        if (!retainGrad) grad = null;
        graphFreed = true;
    }

    /**
     * grad += g, with g first summed back to this value's shape when the op broadcast this input. A leaf adds
     * into its long-lived buffer in place; an intermediate node keeps a scoped tensor and never writes into a
     * gradient it received (an op may pass the same tensor to several inputs).
     */
    void accumulateGrad(Tensor g) {
        if (!requiresGrad) return;
        Tensor d = sumToShape(g, value.shape());
        if (leaf) {
            if (grad == null) grad = MemoryScope.unscoped(() -> Tensor.empty(DType.F32, value.device(), value.shape())).copyFrom(d);
            else grad.addInPlace(d);
        } else {
            grad = grad == null ? d : grad.add(d);
        }
    }

    /** Computes and accumulates a gradient only when this input needs one. */
    void accumulateGrad(Supplier<Tensor> g) {
        if (requiresGrad) accumulateGrad(g.get());
    }

    /**
     * For kernels that accumulate (+=) a gradient themselves (embedding, the norms): a zeroed-or-accumulating
     * buffer to write dloss/dthis into. A leaf hands out its own long-lived buffer, so nothing is copied; anything
     * else gets a fresh zeroed tensor, which {@link #commitGradSink} then accumulates.
     */
    Tensor gradSink() {
        if (requiresGrad && leaf) {
            if (grad == null) grad = MemoryScope.unscoped(() -> Tensor.zeros(DType.F32, value.device(), value.shape()));
            return grad;
        }
        return Tensor.zeros(DType.F32, value.device(), value.shape());
    }

    /** Finishes a {@link #gradSink()}: accumulates it unless it already was this leaf's own buffer. */
    void commitGradSink(Tensor sink) {
        if (sink != grad) accumulateGrad(sink);
    }

    /** Sums a gradient over the dims that broadcasting added or stretched, giving {@code shape}. */
    static Tensor sumToShape(Tensor g, int[] shape) {
        int[] gs = g.shape();
        if (Arrays.equals(gs, shape)) return g;
        int lead = gs.length - shape.length;
        if (lead < 0) throw new IllegalArgumentException("gradient " + Shapes.str(gs) + " has fewer dims than " + Shapes.str(shape));
        int[] dims = new int[gs.length];
        int n = 0;
        for (int i = 0; i < gs.length; i++)
            if (i < lead || (shape[i - lead] == 1 && gs[i] != 1)) dims[n++] = i;
            else if (shape[i - lead] != gs[i])
                throw new IllegalArgumentException("gradient " + Shapes.str(gs) + " does not broadcast from " + Shapes.str(shape));
        if (n == 0) return g.reshape(shape);
        return g.reduce(ReduceOp.SUM, true, Arrays.copyOf(dims, n)).reshape(shape);
    }

    // ============================================================================================ arithmetic

    /** y = a + b (broadcast).  da = dy, db = dy (each summed back to its shape). */
    public Variable add(Variable b) {
        Variable a = this;
        return fromOp("add", a.value.add(b.value), dy -> {
            a.accumulateGrad(dy);
            b.accumulateGrad(dy);
        }, a, b);
    }

    /** y = a − b.  da = dy, db = −dy. */
    public Variable sub(Variable b) {
        Variable a = this;
        return fromOp("sub", a.value.sub(b.value), dy -> {
            a.accumulateGrad(dy);
            b.accumulateGrad(dy::neg);
        }, a, b);
    }

    /** y = a · b.  da = dy · b, db = dy · a. */
    public Variable mul(Variable b) {
        Variable a = this;
        return fromOp("mul", a.value.mul(b.value), dy -> {
            a.accumulateGrad(() -> dy.mul(b.value));
            b.accumulateGrad(() -> dy.mul(a.value));
        }, a, b);
    }

    /** y = a / b.  da = dy / b, db = −dy · a / b² = −dy · y / b. */
    public Variable div(Variable b) {
        Variable a = this;
        Tensor y = a.value.div(b.value);
        return fromOp("div", y, dy -> {
            a.accumulateGrad(() -> dy.div(b.value));
            b.accumulateGrad(() -> dy.mul(y).div(b.value).neg());
        }, a, b);
    }

    /** y = a^b elementwise.  da = dy · b · a^(b−1), db = dy · y · ln a. */
    public Variable pow(Variable b) {
        Variable a = this;
        Tensor y = a.value.binary(BinaryOp.POW, b.value);
        return fromOp("pow", y, dy -> {
            a.accumulateGrad(() -> dy.mul(b.value).mul(a.value.binary(BinaryOp.POW, b.value.add(-1))));
            b.accumulateGrad(() -> dy.mul(y).mul(a.value.log()));
        }, a, b);
    }

    /** y = max(a, b) elementwise; ties go to a.  da = dy · [a ≥ b], db = dy · [a < b]. */
    public Variable maximum(Variable b) {
        Variable a = this;
        return fromOp("maximum", a.value.maximum(b.value), dy -> {
            Tensor bWins = a.value.binary(BinaryOp.LT, b.value);       // 1 where b is larger
            a.accumulateGrad(() -> dy.mul(bWins.neg().add(1)));
            b.accumulateGrad(() -> dy.mul(bWins));
        }, a, b);
    }

    /** y = min(a, b) elementwise; ties go to a.  da = dy · [a ≤ b], db = dy · [a > b]. */
    public Variable minimum(Variable b) {
        Variable a = this;
        return fromOp("minimum", a.value.minimum(b.value), dy -> {
            Tensor bWins = a.value.binary(BinaryOp.GT, b.value);       // 1 where b is smaller
            a.accumulateGrad(() -> dy.mul(bWins.neg().add(1)));
            b.accumulateGrad(() -> dy.mul(bWins));
        }, a, b);
    }

    /** With a constant tensor operand (no gradient flows into it). */
    public Variable add(Tensor b) { return add(constant(b)); }

    public Variable sub(Tensor b) { return sub(constant(b)); }

    public Variable mul(Tensor b) { return mul(constant(b)); }

    public Variable div(Tensor b) { return div(constant(b)); }

    public Variable add(double c) { return unary(UnaryOp.ADD_SCALAR, c); }        // dx = dy

    public Variable sub(double c) { return unary(UnaryOp.ADD_SCALAR, -c); }       // dx = dy

    public Variable mul(double c) { return unary(UnaryOp.SCALE, c); }             // dx = c · dy

    public Variable div(double c) { return unary(UnaryOp.SCALE, 1.0 / c); }       // dx = dy / c

    /** y = c − x.  dx = −dy. */
    public Variable rsub(double c) { return neg().add(c); }

    public Variable neg() { return unary(UnaryOp.NEG, 0); }                       // dx = −dy

    /** y = x^p.  dx = dy · p · x^(p−1). */
    public Variable pow(double p) { return unary(UnaryOp.POW, p); }

    // ============================================================================================ elementwise functions

    public Variable exp() { return unary(UnaryOp.EXP, 0); }                       // dx = dy · y

    public Variable log() { return unary(UnaryOp.LOG, 0); }                       // dx = dy / x

    public Variable tanh() { return unary(UnaryOp.TANH, 0); }                     // dx = dy · (1 − y²)

    public Variable sigmoid() { return unary(UnaryOp.SIGMOID, 0); }               // dx = dy · y (1 − y)

    public Variable relu() { return unary(UnaryOp.RELU, 0); }                     // dx = dy · [x > 0]

    /** GPT-2's tanh GELU.  dx = dy · (½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²)), t = tanh(√(2/π)(x + 0.044715x³)). */
    public Variable gelu() { return unary(UnaryOp.GELU, 0); }

    /** x·σ(x).  dx = dy · σ(x)(1 + x(1 − σ(x))). */
    public Variable silu() { return unary(UnaryOp.SILU, 0); }

    public Variable sqrt() { return unary(UnaryOp.SQRT, 0); }                     // dx = dy / (2y)

    public Variable rsqrt() { return unary(UnaryOp.RSQRT, 0); }                   // dx = −dy · y³ / 2

    public Variable reciprocal() { return unary(UnaryOp.RECIPROCAL, 0); }         // dx = −dy · y²

    public Variable softplus() { return unary(UnaryOp.SOFTPLUS, 0); }             // dx = dy · σ(x)

    public Variable abs() { return unary(UnaryOp.ABS, 0); }                       // dx = dy · sign(x)

    public Variable square() { return unary(UnaryOp.SQUARE, 0); }                 // dx = dy · 2x

    /** max(x, lo).  dx = dy · [x ≥ lo]. */
    public Variable clampMin(double lo) { return unary(UnaryOp.CLAMP_MIN, lo); }

    /** min(x, hi).  dx = dy · [x ≤ hi]. */
    public Variable clampMax(double hi) { return unary(UnaryOp.CLAMP_MAX, hi); }

    /** Clamps into [lo, hi] (PPO's ratio clipping). */
    public Variable clamp(double lo, double hi) { return clampMin(lo).clampMax(hi); }

    /** y = op(x, p); the backend computes dx = dy · op'(x) from x and y (the derivatives sit in ScalarMath). */
    private Variable unary(UnaryOp op, double p) {
        Variable x = this;
        Tensor y = x.value.unary(op, p);
        return fromOp(op.name().toLowerCase(), y, dy -> x.accumulateGrad(() -> {
            Tensor dx = y.emptyLike();
            y.backend().unaryBackward(op, x.value, y, p, dy, dx);
            return dx;
        }), x);
    }

    // ============================================================================================ selection

    /** y = cond ? a : b (cond is a constant mask, nonzero = true).  da = cond ? dy : 0, db = cond ? 0 : dy. */
    public static Variable where(Tensor cond, Variable a, Variable b) {
        Tensor y = Tensor.where(cond, a.value, b.value);
        return fromOp("where", y, dy -> {
            Tensor zero = Tensor.zeros(DType.F32, dy.device());
            a.accumulateGrad(() -> Tensor.where(cond, dy, zero));
            b.accumulateGrad(() -> Tensor.where(cond, zero, dy));
        }, a, b);
    }

    /** y = mask ? value : x (mask broadcast to x).  dx = mask ? 0 : dy. */
    public Variable maskedFill(Tensor mask, double fill) {
        Variable x = this;
        Tensor filler = Tensor.full(fill, DType.F32, x.value.device());
        Tensor y = Tensor.where(mask, filler, x.value);
        if (!Arrays.equals(y.shape(), x.value.shape()))
            throw new IllegalArgumentException("maskedFill: mask " + Shapes.str(mask.shape()) + " does not broadcast to "
                    + Shapes.str(x.value.shape()));
        return fromOp("maskedFill", y, dy -> x.accumulateGrad(
                () -> Tensor.where(mask, Tensor.zeros(DType.F32, dy.device()), dy)), x);
    }

    /**
     * y[..., i, ...] = x[..., index[..., i, ...], ...] along dim (torch.gather); index is I32 of the output's
     * shape. PPO takes log-probs of the chosen tokens with it.  dx = scatter-add of dy back to the gathered places.
     */
    public Variable gather(int dim, Tensor index) {
        Variable x = this;
        int d = Shapes.dim(dim, x.dim());
        if (index.dtype() != DType.I32) throw new IllegalArgumentException("gather: index must be I32, got " + index);
        if (index.dim() != x.dim())
            throw new IllegalArgumentException("gather: index " + Shapes.str(index.shape()) + " and input "
                    + Shapes.str(x.shape()) + " differ in rank");
        Tensor y = Tensor.empty(DType.F32, x.value.device(), index.shape());
        y.backend().gather(x.value, d, index, y);
        return fromOp("gather", y, dy -> x.accumulateGrad(() -> {
            Tensor dx = Tensor.zeros(DType.F32, dy.device(), x.shape());
            dx.backend().scatterAdd(dy, d, index, dx);
            return dx;
        }), x);
    }

    // ============================================================================================ reductions

    /** Sum over dims (all when none).  dx = dy broadcast back over the summed dims. */
    public Variable sum(boolean keepDim, int... dims) {
        Variable x = this;
        int[] ds = x.value.normalizeDims(dims);
        Tensor y = x.value.reduce(ReduceOp.SUM, keepDim, ds);
        int[] kept = keptShape(x.shape(), ds);
        return fromOp("sum", y, dy -> x.accumulateGrad(() -> dy.reshape(kept).expand(x.shape())), x);
    }

    public Variable sum(int... dims) { return sum(false, dims); }

    /** Mean over dims (all when none).  dx = dy / n broadcast back, n = number of elements averaged. */
    public Variable mean(boolean keepDim, int... dims) {
        Variable x = this;
        int[] ds = x.value.normalizeDims(dims);
        Tensor y = x.value.reduce(ReduceOp.MEAN, keepDim, ds);
        int[] kept = keptShape(x.shape(), ds);
        double n = (double) x.numel() / Shapes.numel(kept);
        return fromOp("mean", y, dy -> x.accumulateGrad(() -> dy.reshape(kept).mul(1.0 / n).expand(x.shape())), x);
    }

    public Variable mean(int... dims) { return mean(false, dims); }

    /** Max over dims.  dx = dy at the maximal elements (shared equally between ties), 0 elsewhere. */
    public Variable max(boolean keepDim, int... dims) { return extremum(ReduceOp.MAX, keepDim, dims); }

    public Variable max(int... dims) { return max(false, dims); }

    /** Min over dims.  dx = dy at the minimal elements (shared equally between ties), 0 elsewhere. */
    public Variable min(boolean keepDim, int... dims) { return extremum(ReduceOp.MIN, keepDim, dims); }

    public Variable min(int... dims) { return min(false, dims); }

    private Variable extremum(ReduceOp op, boolean keepDim, int... dims) {
        Variable x = this;
        int[] ds = x.value.normalizeDims(dims);
        Tensor yKept = x.value.reduce(op, true, ds);
        int[] kept = yKept.shape();
        Tensor y = keepDim ? yKept : yKept.reshape(droppedShape(x.shape(), ds));
        return fromOp(op.name().toLowerCase(), y, dy -> x.accumulateGrad(() -> {
            Tensor hit = x.value.binary(BinaryOp.EQ, yKept);                 // 1 at the extremal elements
            Tensor ties = hit.reduce(ReduceOp.SUM, true, ds);
            return hit.mul(dy.reshape(kept).div(ties));
        }), x);
    }

    private static int[] keptShape(int[] shape, int[] sortedDims) {
        int[] kept = shape.clone();
        for (int d : sortedDims) kept[d] = 1;
        return kept;
    }

    private static int[] droppedShape(int[] shape, int[] sortedDims) {
        int[] out = new int[shape.length - sortedDims.length];
        for (int i = 0, j = 0, k = 0; i < shape.length; i++) {
            if (k < sortedDims.length && sortedDims[k] == i) { k++; continue; }
            out[j++] = shape[i];
        }
        return out;
    }

    // ============================================================================================ linear algebra

    /**
     * y = a @ b over the last two dims with broadcast batch dims (a (..., M, K), b (..., K, N)); a 1-D b is a
     * column.  da = dy @ bᵀ, db = aᵀ @ dy (each summed over the batch dims its operand was broadcast along).
     */
    public Variable matmul(Variable b) {
        Variable a = this;
        if (b.dim() == 1) return a.matmul(b.unsqueeze(1)).squeeze(-1);
        if (b.dim() == 2 && a.dim() > 2) {
            // a shared weight (Linear): fold the batch into the rows, so one large GEMM runs instead of many small
            // ones, in backward too (db = aᵀ dy over all rows at once, no per-batch partials to sum)
            int[] outShape = a.shape();
            outShape[outShape.length - 1] = b.size(1);
            return a.reshape(-1, a.size(-1)).matmul(b).view(outShape);
        }
        Tensor y = a.value.matmul(b.value);
        return fromOp("matmul", y, dy -> {
            // each gradient is produced in its operand's own layout (row- or column-major), so a transposed
            // weight view (Linear's Wᵀ) gets a gradient that lands in W's buffer with a contiguous add
            a.accumulateGrad(() -> isTransposed(a.value) ? b.value.matmul(dy.mT()).mT() : dy.matmul(b.value.mT()));
            if (b.leaf && b.requiresGrad && a.dim() == 2 && b.dim() == 2) accumulateProduct(b, a.value.mT(), dy);
            else b.accumulateGrad(() -> isTransposed(b.value) ? dy.mT().matmul(a.value).mT() : a.value.mT().matmul(dy));
        }, a, b);
    }

    /**
     * leaf.grad += x @ y with the GEMM's accumulate flag (beta = 1): a weight's gradient lands in its long-lived
     * buffer without a temporary product and a second pass to add it.
     */
    static void accumulateProduct(Variable leaf, Tensor x, Tensor y) {
        Tensor sink = leaf.gradSink();                                               // (M, N), +=
        sink.backend().matmul(x, y, sink, true);
        leaf.commitGradSink(sink);
    }

    /** Column-major in its last two dims (a transposed view of a contiguous matrix). */
    private static boolean isTransposed(Tensor t) {
        return t.stride(-2) == 1 && t.size(-2) > 1 && t.size(-1) > 1;
    }

    // ============================================================================================ views and layout

    /** Swaps two dims.  dx = dy with the same two dims swapped back. */
    public Variable transpose(int d0, int d1) {
        Variable x = this;
        return fromOp("transpose", x.value.transpose(d0, d1), dy -> x.accumulateGrad(() -> dy.transpose(d0, d1)), x);
    }

    /** Transpose of the last two dims. */
    public Variable mT() { return transpose(-2, -1); }

    /** Reorders dims (y dim i = x dim order[i]).  dx = dy permuted by the inverse order. */
    public Variable permute(int... order) {
        Variable x = this;
        Tensor y = x.value.permute(order);
        int[] inverse = new int[order.length];
        for (int i = 0; i < order.length; i++) inverse[Shapes.dim(order[i], order.length)] = i;
        return fromOp("permute", y, dy -> x.accumulateGrad(() -> dy.permute(inverse)), x);
    }

    /** A new shape over the same elements (copies if the strides need it).  dx = dy reshaped back. */
    public Variable reshape(int... shape) {
        Variable x = this;
        int[] old = x.shape();
        return fromOp("reshape", x.value.reshape(shape), dy -> x.accumulateGrad(() -> dy.reshape(old)), x);
    }

    /** A new shape as a view (throws if the strides do not allow one).  dx = dy reshaped back. */
    public Variable view(int... shape) {
        Variable x = this;
        int[] old = x.shape();
        return fromOp("view", x.value.view(shape), dy -> x.accumulateGrad(() -> dy.reshape(old)), x);
    }

    /** Elements start..start+length−1 of a dim.  dx = dy in that slice, 0 elsewhere. */
    public Variable narrow(int dim, int start, int length) {
        Variable x = this;
        int d = Shapes.dim(dim, x.dim());
        return fromOp("narrow", x.value.narrow(d, start, length), dy -> x.accumulateGrad(() -> {
            Tensor dx = Tensor.zeros(DType.F32, dy.device(), x.shape());
            dx.narrow(d, start, length).copyFrom(dy);
            return dx;
        }), x);
    }

    /** The slice at index along dim, that dim removed.  dx = dy at that index, 0 elsewhere. */
    public Variable select(int dim, int index) {
        int d = Shapes.dim(dim, dim());
        int i = index < 0 ? index + size(d) : index;
        return narrow(d, i, 1).squeeze(d);
    }

    /** Broadcasts size-1 dims (and new leading dims) to a larger shape.  dx = dy summed over the expanded dims. */
    public Variable expand(int... shape) {
        Variable x = this;
        return fromOp("expand", x.value.expand(shape), x::accumulateGrad, x);   // accumulateGrad sums back
    }

    /** Removes a size-1 dim.  dx = dy with the dim put back. */
    public Variable squeeze(int dim) {
        Variable x = this;
        int[] old = x.shape();
        return fromOp("squeeze", x.value.squeeze(dim), dy -> x.accumulateGrad(() -> dy.reshape(old)), x);
    }

    /** Inserts a size-1 dim.  dx = dy with the dim taken out. */
    public Variable unsqueeze(int dim) {
        Variable x = this;
        int[] old = x.shape();
        return fromOp("unsqueeze", x.value.unsqueeze(dim), dy -> x.accumulateGrad(() -> dy.reshape(old)), x);
    }

    /** A contiguous copy when needed.  dx = dy. */
    public Variable contiguous() {
        Variable x = this;
        if (x.value.isContiguous()) return this;
        return fromOp("contiguous", x.value.contiguous(), x::accumulateGrad, x);
    }

    /**
     * Splits a dim into equal chunks (views; e.g. GPT-2's fused q, k, v projection). Each chunk is a narrow, so
     * each carries its own slice of the gradient back.
     */
    public Variable[] chunk(int chunks, int dim) {
        int d = Shapes.dim(dim, dim());
        if (chunks <= 0 || size(d) % chunks != 0)
            throw new IllegalArgumentException("cannot split dim " + dim + " of size " + size(d) + " into " + chunks
                    + " equal chunks (shape " + Shapes.str(shape()) + ")");
        int len = size(d) / chunks;
        Variable[] out = new Variable[chunks];
        for (int i = 0; i < chunks; i++) out[i] = narrow(d, i * len, len);
        return out;
    }

    /** Concatenates along dim.  Each input's gradient is its slice of dy. */
    public static Variable cat(int dim, Variable... parts) {
        if (parts.length == 0) throw new IllegalArgumentException("cat of no variables");
        Tensor[] values = new Tensor[parts.length];
        for (int i = 0; i < parts.length; i++) values[i] = parts[i].value;
        Tensor y = Tensor.cat(dim, values);
        int d = Shapes.dim(dim, y.dim());
        return fromOp("cat", y, dy -> {
            int at = 0;
            for (Variable p : parts) {
                int start = at, len = p.size(d);
                p.accumulateGrad(() -> dy.narrow(d, start, len));
                at += len;
            }
        }, parts);
    }

    public static Variable cat(int dim, List<Variable> parts) { return cat(dim, parts.toArray(Variable[]::new)); }

    /** Stacks equal-shaped values along a new dim (unsqueeze then cat, so the gradient follows from those). */
    public static Variable stack(int dim, Variable... parts) {
        Variable[] u = new Variable[parts.length];
        for (int i = 0; i < parts.length; i++) u[i] = parts[i].unsqueeze(dim);
        return cat(dim, u);
    }

    // ============================================================================================ softmax

    /** Softmax along the last dim.  dx = y · (dy − Σ dy·y) (the backend's softmaxBackward). */
    public Variable softmax() { return softmax(false); }

    /** Log-softmax along the last dim.  dx = dy − softmax(x) · Σ dy. */
    public Variable logSoftmax() { return softmax(true); }

    private Variable softmax(boolean log) {
        Variable x = this;
        Tensor y = log ? x.value.logSoftmax() : x.value.softmax();
        return fromOp(log ? "logSoftmax" : "softmax", y, dy -> x.accumulateGrad(() -> {
            Tensor dx = y.emptyLike();
            y.backend().softmaxBackward(y, dy.contiguous(), dx, log);
            return dx;
        }), x);
    }
}
