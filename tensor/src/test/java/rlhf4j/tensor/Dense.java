package rlhf4j.tensor;

import java.util.Arrays;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * The naive reference the property tests compare tensors with: a row-major float[] and a shape, and nothing else.
 * Every view is computed by building a new array element by element with explicit index arithmetic (no strides,
 * no shared storage), so it shares no logic with {@link Tensor}.
 */
record Dense(float[] data, int[] shape) {

    Dense {
        if (data.length != count(shape))
            throw new IllegalArgumentException(data.length + " values for shape " + Arrays.toString(shape));
    }

    static long count(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    int rank() { return shape.length; }

    /** Row-major position of a multi-index: ((i0·s1 + i1)·s2 + i2)... */
    static int linear(int[] shape, int[] index) {
        int at = 0;
        for (int d = 0; d < shape.length; d++) at = at * shape[d] + index[d];
        return at;
    }

    float at(int[] index) { return data[linear(shape, index)]; }

    /** Visits every multi-index of a shape in row-major order (none for a zero-size shape, [] once for a scalar). */
    static void forEachIndex(int[] shape, Consumer<int[]> body) {
        if (count(shape) == 0) return;
        int[] idx = new int[shape.length];
        while (true) {
            body.accept(idx.clone());
            int d = shape.length - 1;
            while (d >= 0 && ++idx[d] == shape[d]) idx[d--] = 0;
            if (d < 0) return;
        }
    }

    /** A new array of the given shape whose element at index i is f(i). */
    static Dense build(int[] shape, ToDoubleFunction<int[]> f) {
        float[] out = new float[(int) count(shape)];
        forEachIndex(shape, idx -> out[linear(shape, idx)] = (float) f.applyAsDouble(idx));
        return new Dense(out, shape.clone());
    }

    // ---------------------------------------------------------------------------------------- views, written out

    Dense reshape(int[] newShape) { return new Dense(data.clone(), newShape.clone()); }

    Dense permute(int[] order) {   // out[i0, i1, ...] = in[j] with j[order[k]] = i[k]
        int[] s = new int[order.length];
        for (int k = 0; k < order.length; k++) s[k] = shape[order[k]];
        return build(s, idx -> {
            int[] src = new int[shape.length];
            for (int k = 0; k < order.length; k++) src[order[k]] = idx[k];
            return at(src);
        });
    }

    Dense transpose(int a, int b) {
        int[] order = new int[shape.length];
        for (int k = 0; k < order.length; k++) order[k] = k;
        order[a] = b;
        order[b] = a;
        return permute(order);
    }

    Dense narrow(int dim, int start, int length) {
        int[] s = shape.clone();
        s[dim] = length;
        return build(s, idx -> {
            int[] src = idx.clone();
            src[dim] += start;
            return at(src);
        });
    }

    /** The slice at index along dim, dim removed. */
    Dense select(int dim, int index) {
        int[] s = new int[shape.length - 1];
        for (int k = 0, j = 0; k < shape.length; k++) if (k != dim) s[j++] = shape[k];
        return build(s, idx -> at(insert(idx, dim, index)));
    }

    /** Broadcast: aligned from the right, size-1 dims repeat their one element, new leading dims repeat everything. */
    Dense expand(int[] newShape) {
        int lead = newShape.length - shape.length;
        return build(newShape, idx -> {
            int[] src = new int[shape.length];
            for (int k = 0; k < shape.length; k++) src[k] = shape[k] == 1 ? 0 : idx[k + lead];
            return at(src);
        });
    }

    Dense squeeze(int dim) {
        int[] s = new int[shape.length - 1];
        for (int k = 0, j = 0; k < shape.length; k++) if (k != dim) s[j++] = shape[k];
        return build(s, idx -> at(insert(idx, dim, 0)));
    }

    Dense unsqueeze(int dim) {
        return build(insert(shape, dim, 1), idx -> at(remove(idx, dim)));
    }

    static int[] insert(int[] a, int at, int value) {
        int[] out = new int[a.length + 1];
        for (int k = 0, j = 0; k < out.length; k++) out[k] = k == at ? value : a[j++];
        return out;
    }

    static int[] remove(int[] a, int at) {
        int[] out = new int[a.length - 1];
        for (int k = 0, j = 0; k < a.length; k++) if (k != at) out[j++] = a[k];
        return out;
    }

    @Override public String toString() { return "Dense" + Arrays.toString(shape) + " " + Arrays.toString(data); }
}
