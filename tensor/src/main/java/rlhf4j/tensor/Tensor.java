package rlhf4j.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * A strided view over a {@link Storage}: {@code element(i0, i1, ...) = storage[offset + Σ ik · strides[k]]}.
 *
 * <p>Views (reshape, transpose, permute, narrow, expand, squeeze, unsqueeze) share storage and copy nothing;
 * {@link #contiguous()} copies only when the strides are not row-major. Every computation is delegated to the
 * {@link Backend} that owns the tensor's device. Tensors carry no gradient: see the autograd module for that.
 *
 * <p>Memory: tensors allocated inside a {@link MemoryScope} are freed when it closes; others are long-lived.
 */
public final class Tensor {
    private final Storage storage;
    private final int[] shape;
    private final long[] strides;   // in elements
    private final long offset;      // in elements
    private final DType dtype;
    private final long numel;           // cached: asked for by nearly every op
    private final boolean contiguous;   // cached likewise (shape and strides never change)

    public Tensor(Storage storage, DType dtype, int[] shape, long[] strides, long offset) {
        if (shape.length != strides.length)
            throw new IllegalArgumentException("shape " + Shapes.str(shape) + " and strides " + Arrays.toString(strides)
                    + " differ in rank");
        this.storage = storage;
        this.dtype = dtype;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.numel = Shapes.numel(shape);
        this.contiguous = rowMajor(shape, strides, numel);
    }

    // ================================================================================================ factories

    /** Uninitialised contiguous tensor. */
    public static Tensor empty(DType dtype, Device device, int... shape) {
        Shapes.checkShape(shape);
        int[] s = shape.clone();
        long bytes = Math.max(Shapes.numel(s), 1) * dtype.byteSize();
        Storage storage = Backends.forDevice(device).allocate(device, bytes);
        return new Tensor(storage, dtype, s, Shapes.contiguousStrides(s), 0);
    }

    public static Tensor empty(int... shape) { return empty(DType.F32, Device.CPU, shape); }

    public static Tensor full(double value, DType dtype, Device device, int... shape) {
        Tensor t = empty(dtype, device, shape);
        t.backend().fill(t, value);
        return t;
    }

    public static Tensor zeros(int... shape) { return full(0, DType.F32, Device.CPU, shape); }

    public static Tensor zeros(DType dtype, Device device, int... shape) { return full(0, dtype, device, shape); }

    public static Tensor ones(int... shape) { return full(1, DType.F32, Device.CPU, shape); }

    public static Tensor full(double value, int... shape) { return full(value, DType.F32, Device.CPU, shape); }

    public static Tensor scalar(double value) { return full(value, DType.F32, Device.CPU); }

    /** A new contiguous tensor of this one's shape, dtype and device. */
    public Tensor emptyLike() { return empty(dtype, device(), shape); }

    public Tensor zerosLike() { return full(0, dtype, device(), shape); }

    /** Copies host floats into a new CPU tensor of the given shape. */
    public static Tensor of(float[] data, int... shape) {
        return fromHost(MemorySegment.ofArray(data), data.length, DType.F32, Device.CPU, shape);
    }

    /** A 1-D tensor holding the values. */
    public static Tensor of(float... data) { return of(data, data.length); }

    /** Copies host ints into a new I32 CPU tensor. */
    public static Tensor ofInts(int[] data, int... shape) {
        return fromHost(MemorySegment.ofArray(data), data.length, DType.I32, Device.CPU, shape);
    }

    private static Tensor fromHost(MemorySegment src, int n, DType dtype, Device device, int[] shape) {
        if (Shapes.numel(shape) != n)
            throw new IllegalArgumentException(n + " values do not fill shape " + Shapes.str(shape));
        Tensor t = empty(dtype, device, shape);
        t.backend().copyFromHost(src, t.storage, 0, (long) n * dtype.byteSize());
        return t;
    }

    /** I32 0, 1, ..., n−1. */
    public static Tensor arange(int n) {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) v[i] = i;
        return ofInts(v, n);
    }

    /** Standard normal values from a counter-based generator: same seed, same bits on every backend. */
    public static Tensor randn(long seed, Device device, int... shape) {
        Tensor t = empty(DType.F32, device, shape);
        t.backend().randomNormal(t, seed, 0f, 1f);
        return t;
    }

    public static Tensor randn(long seed, int... shape) { return randn(seed, Device.CPU, shape); }

    /** Uniform [lo, hi) values from a counter-based generator. */
    public static Tensor rand(long seed, float lo, float hi, Device device, int... shape) {
        Tensor t = empty(DType.F32, device, shape);
        t.backend().randomUniform(t, seed, lo, hi);
        return t;
    }

    // ================================================================================================ metadata

    public int[] shape() { return shape.clone(); }

    public int dim() { return shape.length; }

    /** Size of a dim; negative dims count from the end. */
    public int size(int dim) { return shape[Shapes.dim(dim, shape.length)]; }

    public long numel() { return numel; }

    public long[] strides() { return strides.clone(); }

    public long stride(int dim) { return strides[Shapes.dim(dim, shape.length)]; }

    public long offset() { return offset; }

    public DType dtype() { return dtype; }

    public Storage storage() { return storage; }

    public Device device() { return storage.device(); }

    public Backend backend() { return storage.backend(); }

    /** Row-major with no gaps (size-1 dims may have any stride; a tensor with no elements always is). */
    public boolean isContiguous() { return contiguous; }

    private static boolean rowMajor(int[] shape, long[] strides, long numel) {
        if (numel == 0) return true;   // nothing to lay out: its strides can never be observed
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    public boolean sameShape(Tensor o) { return Arrays.equals(shape, o.shape); }

    @Override public String toString() {
        return "Tensor" + Shapes.str(shape) + " " + dtype + " on " + device()
                + (isContiguous() ? "" : " strides " + Arrays.toString(strides));
    }

    // ================================================================================================ views

    /** Same elements, new shape; one dim may be −1. Throws when the strides do not allow a view. */
    public Tensor view(int... newShape) {
        int[] s = inferShape(newShape);
        long[] st = viewStrides(s);
        if (st == null)
            throw new IllegalArgumentException("view " + Shapes.str(newShape) + " is impossible for a tensor of shape "
                    + Shapes.str(shape) + " with strides " + Arrays.toString(strides) + "; use reshape()");
        return new Tensor(storage, dtype, s, st, offset);
    }

    /** Like view, but copies into a contiguous tensor when the strides do not allow a view. */
    public Tensor reshape(int... newShape) {
        int[] s = inferShape(newShape);
        long[] st = viewStrides(s);
        if (st != null) return new Tensor(storage, dtype, s, st, offset);
        Tensor c = contiguous();
        return new Tensor(c.storage, dtype, s, Shapes.contiguousStrides(s), c.offset);
    }

    private int[] inferShape(int[] newShape) {
        int[] s = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("only one dim may be -1 in " + Shapes.str(newShape));
                infer = i;
            } else if (s[i] < 0) {
                throw new IllegalArgumentException("bad dim in shape " + Shapes.str(newShape));
            } else known *= s[i];
        }
        long n = numel();
        if (infer >= 0) {
            if (known == 0 || n % known != 0)
                throw new IllegalArgumentException("cannot reshape " + Shapes.str(shape) + " into " + Shapes.str(newShape));
            s[infer] = (int) (n / known);
        }
        if (Shapes.numel(s) != n)
            throw new IllegalArgumentException("cannot reshape " + Shapes.str(shape) + " (" + n + " elements) into "
                    + Shapes.str(newShape));
        return s;
    }

    /** Strides for viewing this tensor as {@code s}, or null if a copy is needed (PyTorch's computeStride). */
    private long[] viewStrides(int[] s) {
        long[] out = new long[s.length];
        if (numel() == 0 || shape.length == 0 || s.length == 0) return Shapes.contiguousStrides(s);
        int viewD = s.length - 1;
        long chunkBase = strides.length == 0 ? 1 : strides[strides.length - 1];
        long tensorNumel = 1, viewNumel = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            tensorNumel *= shape[d];
            // a chunk of dims ends where the old strides stop being mergeable
            if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensorNumel * chunkBase)) {
                while (viewD >= 0 && (viewNumel < tensorNumel || s[viewD] == 1)) {
                    out[viewD] = viewNumel * chunkBase;
                    viewNumel *= s[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) return null;
                if (d > 0) {
                    chunkBase = strides[d - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        return viewD == -1 ? out : null;
    }

    /** Swaps two dims (a view). */
    public Tensor transpose(int d0, int d1) {
        int a = Shapes.dim(d0, shape.length), b = Shapes.dim(d1, shape.length);
        int[] s = shape.clone();
        long[] st = strides.clone();
        s[a] = shape[b]; s[b] = shape[a];
        st[a] = strides[b]; st[b] = strides[a];
        return new Tensor(storage, dtype, s, st, offset);
    }

    /** Transpose of the last two dims. */
    public Tensor mT() { return transpose(-2, -1); }

    /** Reorders dims: result dim i is this tensor's dim order[i] (a view). */
    public Tensor permute(int... order) {
        if (order.length != shape.length)
            throw new IllegalArgumentException("permute " + Arrays.toString(order) + " needs " + shape.length + " dims");
        int[] s = new int[order.length];
        long[] st = new long[order.length];
        boolean[] seen = new boolean[order.length];
        for (int i = 0; i < order.length; i++) {
            int d = Shapes.dim(order[i], shape.length);
            if (seen[d]) throw new IllegalArgumentException("permute " + Arrays.toString(order) + " repeats dim " + d);
            seen[d] = true;
            s[i] = shape[d];
            st[i] = strides[d];
        }
        return new Tensor(storage, dtype, s, st, offset);
    }

    /** Elements start..start+length−1 of a dim (a view). */
    public Tensor narrow(int dim, int start, int length) {
        int d = Shapes.dim(dim, shape.length);
        if (start < 0 || length < 0 || start + length > shape[d])
            throw new IllegalArgumentException("narrow(dim " + dim + ", " + start + ", " + length + ") out of range for "
                    + Shapes.str(shape));
        int[] s = shape.clone();
        s[d] = length;
        return new Tensor(storage, dtype, s, strides.clone(), offset + start * strides[d]);
    }

    /** The slice at index along dim, with that dim removed (a view). */
    public Tensor select(int dim, int index) {
        int d = Shapes.dim(dim, shape.length);
        int i = index < 0 ? index + shape[d] : index;
        return narrow(d, i, 1).squeeze(d);
    }

    /** Broadcasts size-1 dims (and new leading dims) to a larger shape with stride 0 (a view). */
    public Tensor expand(int... newShape) {
        if (newShape.length < shape.length)
            throw new IllegalArgumentException("cannot expand " + Shapes.str(shape) + " to fewer dims " + Shapes.str(newShape));
        int lead = newShape.length - shape.length;
        long[] st = new long[newShape.length];
        int[] s = newShape.clone();
        for (int i = 0; i < newShape.length; i++) {
            if (i < lead) {
                if (s[i] < 0) throw new IllegalArgumentException("-1 is not allowed for a new dim in expand");
                st[i] = 0;
                continue;
            }
            int old = shape[i - lead];
            if (s[i] == -1) s[i] = old;
            if (old == s[i]) st[i] = strides[i - lead];
            else if (old == 1) st[i] = 0;
            else throw new IllegalArgumentException("cannot expand " + Shapes.str(shape) + " to " + Shapes.str(newShape));
        }
        return new Tensor(storage, dtype, s, st, offset);
    }

    /** Removes a size-1 dim (a view). */
    public Tensor squeeze(int dim) {
        int d = Shapes.dim(dim, shape.length);
        if (shape[d] != 1) throw new IllegalArgumentException("cannot squeeze dim " + dim + " of " + Shapes.str(shape));
        int[] s = new int[shape.length - 1];
        long[] st = new long[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) if (i != d) { s[j] = shape[i]; st[j++] = strides[i]; }
        return new Tensor(storage, dtype, s, st, offset);
    }

    /** Inserts a size-1 dim at position dim (a view); dim may equal rank. */
    public Tensor unsqueeze(int dim) {
        int d = dim < 0 ? dim + shape.length + 1 : dim;
        if (d < 0 || d > shape.length)
            throw new IllegalArgumentException("unsqueeze dim " + dim + " out of range for rank " + shape.length);
        int[] s = new int[shape.length + 1];
        long[] st = new long[shape.length + 1];
        for (int i = 0, j = 0; i < s.length; i++) {
            if (i == d) { s[i] = 1; st[i] = d < shape.length ? strides[d] * shape[d] : 1; }
            else { s[i] = shape[j]; st[i] = strides[j++]; }
        }
        return new Tensor(storage, dtype, s, st, offset);
    }

    /** This tensor if already contiguous, else a contiguous copy. */
    public Tensor contiguous() {
        if (isContiguous()) return this;
        return copy();
    }

    /** A contiguous copy (always new memory). */
    public Tensor copy() {
        Tensor out = emptyLike();
        backend().copy(this, out);
        return out;
    }

    /** Copies src (broadcast to this shape) into this tensor in place; converts dtype. Returns this. */
    public Tensor copyFrom(Tensor src) {
        sameDevice("copyFrom", src);
        backend().copy(src.expand(shape), this);
        return this;
    }

    /** Fills in place. Returns this. */
    public Tensor fill(double value) {
        backend().fill(this, value);
        return this;
    }

    /** A copy converted to another dtype. */
    public Tensor to(DType target) {
        if (target == dtype) return this;
        Tensor out = empty(target, device(), shape);
        backend().copy(this, out);
        return out;
    }

    /** A copy on another device (this tensor if already there). Goes through host memory between backends. */
    public Tensor to(Device target) {
        if (target.equals(device())) return this;
        Tensor out = empty(dtype, target, shape);
        long bytes = numel() * dtype.byteSize();
        if (bytes == 0) return out;        // nothing to move, and an empty view's offset may be past its storage
        Tensor src = contiguous();
        try {
            if (device().isCpu()) {
                MemorySegment host = ((HostAccessible) src.storage).hostSegment();  // host memory: no staging copy
                out.backend().copyFromHost(host.asSlice(src.offset * dtype.byteSize(), bytes), out.storage, 0, bytes);
                return out;
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment host = arena.allocate(Math.max(bytes, 1), 64);
                src.backend().copyToHost(src.storage, src.offset * dtype.byteSize(), host, bytes);
                out.backend().copyFromHost(host, out.storage, 0, bytes);
            }
            return out;
        } finally {
            freeIfTemporary(src);
        }
    }

    public Tensor toCpu() { return to(Device.CPU); }

    /** Marker for storages whose memory the host can read directly (the CPU's). */
    public interface HostAccessible {
        /** The whole storage as a host segment. */
        MemorySegment hostSegment();
    }

    // ================================================================================================ host access

    /** All elements, row-major, as floats (copies to the host; converts I32). */
    public float[] toFloatArray() {
        float[] out = new float[Math.toIntExact(numel())];
        if (out.length == 0) return out;   // an empty view's offset may lie at or past the end of its storage
        Tensor t = (dtype == DType.F32 ? this : to(DType.F32)).contiguous();
        try {
            t.backend().copyToHost(t.storage, t.offset * 4, MemorySegment.ofArray(out), out.length * 4L);
        } finally {
            freeIfTemporary(t);
        }
        return out;
    }

    /** All elements, row-major, as ints (copies to the host; truncates F32). */
    public int[] toIntArray() {
        int[] out = new int[Math.toIntExact(numel())];
        if (out.length == 0) return out;   // an empty view's offset may lie at or past the end of its storage
        Tensor t = (dtype == DType.I32 ? this : to(DType.I32)).contiguous();
        try {
            t.backend().copyToHost(t.storage, t.offset * 4, MemorySegment.ofArray(out), out.length * 4L);
        } finally {
            freeIfTemporary(t);
        }
        return out;
    }

    /**
     * Frees a copy made only to read this tensor (by contiguous() or a dtype conversion) as soon as it has been
     * read: outside a scope it would otherwise be long-lived and wait for the GC.
     */
    private void freeIfTemporary(Tensor copy) {
        if (copy.storage != storage) copy.free();
    }

    /** The single value of a one-element tensor. */
    public float item() {
        if (numel() != 1) throw new IllegalArgumentException("item() needs one element, tensor has shape " + Shapes.str(shape));
        float[] v = new float[1];
        if (dtype == DType.F32) backend().copyToHost(storage, offset * 4, MemorySegment.ofArray(v), 4);
        else return toFloatArray()[0];
        return v[0];
    }

    /** One element by index (copies to the host; for tests and debugging, not for loops). */
    public float get(int... index) {
        if (index.length != shape.length)
            throw new IllegalArgumentException("index of rank " + index.length + " for shape " + Shapes.str(shape));
        long off = offset;
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i])
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " out of " + Shapes.str(shape));
            off += index[i] * strides[i];
        }
        return new Tensor(storage, dtype, new int[0], new long[0], off).item();
    }

    /** Frees this tensor's storage now (every view of it becomes unusable). */
    public void free() { storage.close(); }

    // ================================================================================================ operations

    void sameDevice(String op, Tensor o) {
        if (!o.device().equals(device()))
            throw new IllegalArgumentException(op + ": tensors on different devices (" + device() + " and " + o.device()
                    + "); move one with .to(device)");
    }

    private void requireF32(String op) {
        if (dtype != DType.F32) throw new IllegalArgumentException(op + " needs an F32 tensor, got " + dtype);
    }

    public Tensor unary(UnaryOp op, double p) {
        if (dtype != DType.F32) requireF32(op.name().toLowerCase());   // the name is built only for the error
        Tensor out = empty(DType.F32, device(), shape);
        backend().unary(op, this, p, out);
        return out;
    }

    public Tensor unary(UnaryOp op) { return unary(op, 0); }

    public Tensor binary(BinaryOp op, Tensor o) {
        if (o.storage.device() != storage.device() || dtype != DType.F32 || o.dtype != DType.F32) {   // names only for errors
            sameDevice(op.name().toLowerCase(), o);
            requireF32(op.name().toLowerCase());
            o.requireF32(op.name().toLowerCase());
        }
        int[] s;
        try {
            s = Shapes.broadcast(shape, o.shape);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op.name().toLowerCase() + ": " + e.getMessage(), e);
        }
        Tensor out = empty(DType.F32, device(), s);
        backend().binary(op, expand(s), o.expand(s), out);
        return out;
    }

    public Tensor add(Tensor o) { return binary(BinaryOp.ADD, o); }
    public Tensor sub(Tensor o) { return binary(BinaryOp.SUB, o); }
    public Tensor mul(Tensor o) { return binary(BinaryOp.MUL, o); }
    public Tensor div(Tensor o) { return binary(BinaryOp.DIV, o); }
    public Tensor maximum(Tensor o) { return binary(BinaryOp.MAX, o); }
    public Tensor minimum(Tensor o) { return binary(BinaryOp.MIN, o); }
    public Tensor add(double c) { return unary(UnaryOp.ADD_SCALAR, c); }
    public Tensor mul(double c) { return unary(UnaryOp.SCALE, c); }
    public Tensor pow(double p) { return unary(UnaryOp.POW, p); }
    public Tensor neg() { return unary(UnaryOp.NEG); }
    public Tensor exp() { return unary(UnaryOp.EXP); }
    public Tensor log() { return unary(UnaryOp.LOG); }
    public Tensor tanh() { return unary(UnaryOp.TANH); }
    public Tensor sigmoid() { return unary(UnaryOp.SIGMOID); }
    public Tensor relu() { return unary(UnaryOp.RELU); }
    public Tensor gelu() { return unary(UnaryOp.GELU); }
    public Tensor silu() { return unary(UnaryOp.SILU); }
    public Tensor sqrt() { return unary(UnaryOp.SQRT); }
    public Tensor abs() { return unary(UnaryOp.ABS); }
    public Tensor square() { return unary(UnaryOp.SQUARE); }

    /** In place: this += o (o broadcast to this shape). This must be contiguous. Returns this. */
    public Tensor addInPlace(Tensor o) {
        sameDevice("addInPlace", o);
        if (!isContiguous()) throw new IllegalArgumentException("addInPlace needs a contiguous destination");
        backend().binary(BinaryOp.ADD, this, o.expand(shape), this);
        return this;
    }

    /** In place: this *= c. Returns this. */
    public Tensor mulInPlace(double c) {
        if (!isContiguous()) throw new IllegalArgumentException("mulInPlace needs a contiguous destination");
        backend().unary(UnaryOp.SCALE, this, c, this);
        return this;
    }

    /** out = cond ? a : b, all broadcast together. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        a.sameDevice("where", b);
        a.sameDevice("where", cond);
        int[] s = Shapes.broadcast(Shapes.broadcast(cond.shape, a.shape), b.shape);
        Tensor out = empty(DType.F32, a.device(), s);
        a.backend().where(cond.expand(s), a.expand(s), b.expand(s), out);
        return out;
    }

    /** Reduction over dims (all dims when none given). */
    public Tensor reduce(ReduceOp op, boolean keepDim, int... dims) {
        int[] ds = normalizeDims(dims);
        int[] kept = shape.clone();
        for (int d : ds) kept[d] = 1;
        if (op == ReduceOp.ARGMAX && ds.length != 1)
            throw new IllegalArgumentException("argmax reduces exactly one dim, got " + Arrays.toString(dims));
        if (op != ReduceOp.SUM && op != ReduceOp.MEAN)
            for (int d : ds)
                if (shape[d] == 0)
                    throw new IllegalArgumentException(op.name().toLowerCase() + " over dim " + d
                            + " of size 0 has no identity (shape " + Shapes.str(shape) + ")");
        Tensor out = empty(op == ReduceOp.ARGMAX ? DType.I32 : DType.F32, device(), kept);
        backend().reduce(op, this, ds, out);
        if (keepDim) return out;
        int[] dropped = new int[shape.length - ds.length];
        for (int i = 0, j = 0, k = 0; i < shape.length; i++) {
            if (k < ds.length && ds[k] == i) { k++; continue; }
            dropped[j++] = shape[i];
        }
        return out.view(dropped);
    }

    /** Sorted distinct dims; all dims when none given. */
    public int[] normalizeDims(int... dims) {
        if (dims.length == 0) {
            int[] all = new int[shape.length];
            for (int i = 0; i < all.length; i++) all[i] = i;
            return all;
        }
        int[] ds = new int[dims.length];
        for (int i = 0; i < dims.length; i++) ds[i] = Shapes.dim(dims[i], shape.length);
        Arrays.sort(ds);
        for (int i = 1; i < ds.length; i++)
            if (ds[i] == ds[i - 1]) throw new IllegalArgumentException("dim repeated in " + Arrays.toString(dims));
        return ds;
    }

    public Tensor sum(int... dims) { return reduce(ReduceOp.SUM, false, dims); }

    /** Σ x² over every element, a () tensor: {@code square().sum()} in one pass where the backend fuses it. */
    public Tensor sumOfSquares() {
        requireF32("sumOfSquares");
        Tensor out = empty(DType.F32, device());
        backend().sumOfSquares(this, out);
        return out;
    }
    public Tensor mean(int... dims) { return reduce(ReduceOp.MEAN, false, dims); }
    public Tensor max(int... dims) { return reduce(ReduceOp.MAX, false, dims); }
    public Tensor min(int... dims) { return reduce(ReduceOp.MIN, false, dims); }
    public Tensor argmax(int dim) { return reduce(ReduceOp.ARGMAX, false, dim); }

    /**
     * Matrix product over the last two dims with broadcast batch dims: (..., M, K) @ (..., K, N) → (..., M, N).
     * A 1-D right operand (K) is treated as (K, 1) and the result squeezed, as in torch.matmul.
     */
    public Tensor matmul(Tensor b) {
        sameDevice("matmul", b);
        requireF32("matmul");
        b.requireF32("matmul");
        if (dim() < 2) throw new IllegalArgumentException("matmul needs a left operand of rank >= 2, got " + Shapes.str(shape));
        if (b.dim() == 1) return matmul(b.unsqueeze(1)).squeeze(-1);
        int m = size(-2), k = size(-1), k2 = b.size(-2), n = b.size(-1);
        if (k != k2)
            throw new IllegalArgumentException("matmul: shapes " + Shapes.str(shape) + " and " + Shapes.str(b.shape)
                    + " do not match (" + k + " != " + k2 + ")");
        if (dim() == 2 && b.dim() == 2) {   // no batch dims: nothing to broadcast or expand
            Tensor out = empty(DType.F32, device(), m, n);
            backend().matmul(this, b, out, false);
            return out;
        }
        int[] batch = Shapes.broadcast(Arrays.copyOf(shape, dim() - 2), Arrays.copyOf(b.shape, b.dim() - 2));
        int[] outShape = Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = m;
        outShape[batch.length + 1] = n;
        int[] aShape = outShape.clone(); aShape[batch.length + 1] = k;
        int[] bShape = outShape.clone(); bShape[batch.length] = k;
        Tensor out = empty(DType.F32, device(), outShape);
        backend().matmul(expand(aShape), b.expand(bShape), out, false);
        return out;
    }

    /** Softmax along the last dim. */
    public Tensor softmax() { return softmaxImpl(false); }

    /** Log-softmax along the last dim. */
    public Tensor logSoftmax() { return softmaxImpl(true); }

    private Tensor softmaxImpl(boolean log) {
        requireF32("softmax");
        Tensor out = emptyLike();
        backend().softmax(contiguous(), out, log);
        return out;
    }

    /** Concatenates tensors along dim (they must match in every other dim). */
    public static Tensor cat(int dim, Tensor... parts) {
        if (parts.length == 0) throw new IllegalArgumentException("cat of no tensors");
        Tensor first = parts[0];
        int d = Shapes.dim(dim, first.dim());
        int[] s = first.shape();
        int total = 0;
        for (Tensor p : parts) {
            first.sameDevice("cat", p);
            if (p.dim() != s.length) throw new IllegalArgumentException("cat: ranks differ: " + first + " vs " + p);
            for (int i = 0; i < s.length; i++)
                if (i != d && p.shape[i] != s[i])
                    throw new IllegalArgumentException("cat along dim " + dim + ": shapes " + Shapes.str(first.shape)
                            + " and " + Shapes.str(p.shape) + " differ in dim " + i);
            total += p.shape[d];
        }
        s[d] = total;
        Tensor out = empty(first.dtype, first.device(), s);
        int at = 0;
        for (Tensor p : parts) {
            out.backend().copy(p, out.narrow(d, at, p.shape[d]));
            at += p.shape[d];
        }
        return out;
    }

    /** Stacks equal-shaped tensors along a new dim. */
    public static Tensor stack(int dim, Tensor... parts) {
        Tensor[] u = new Tensor[parts.length];
        for (int i = 0; i < parts.length; i++) u[i] = parts[i].unsqueeze(dim);
        return cat(dim, u);
    }
}
