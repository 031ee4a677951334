package rlhf4j.tensor;

import java.util.Arrays;

/** Shape arithmetic: element counts, contiguous strides and NumPy/PyTorch broadcasting. */
public final class Shapes {
    private Shapes() {}

    public static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    /** Row-major strides, in elements: the last dim varies fastest. */
    public static long[] contiguousStrides(int[] shape) {
        long[] strides = new long[shape.length];
        long s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= Math.max(shape[i], 1);
        }
        return strides;
    }

    public static void checkShape(int[] shape) {
        for (int d : shape)
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
    }

    /** Normalises a possibly negative dim index against a rank. */
    public static int dim(int dim, int rank) {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= Math.max(rank, 1))
            throw new IllegalArgumentException("dim " + dim + " out of range for a tensor of rank " + rank);
        return d;
    }

    /**
     * The broadcast shape of a and b: dims are aligned from the right, and each pair must be equal or contain a 1.
     */
    public static int[] broadcast(int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int da = i < n - a.length ? 1 : a[i - (n - a.length)];
            int db = i < n - b.length ? 1 : b[i - (n - b.length)];
            if (da != db && da != 1 && db != 1)
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " cannot be broadcast (dim " + i + ": " + da + " vs " + db + ")");
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    public static String str(int[] shape) { return Arrays.toString(shape); }
}
