package rlhf4j.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import rlhf4j.tensor.Tensor;

/**
 * The host side of common.cuh's {@code struct Layout}: one operand's sizes, strides (in elements) and offset,
 * packed into the 144 bytes a kernel receives by value.
 *
 * <p>{@link #merged} first merges dims that every operand steps over as one block (and drops size-1 dims), so a
 * contiguous tensor of any rank becomes one dim and the kernel's index arithmetic is a single division.
 */
record KernelLayout(long[] sizes, long[] strides, long offset) {
    static final int MAX_DIMS = 8;
    static final int BYTES = MAX_DIMS * 8 * 2 + 8 + 4 + 4;

    KernelLayout {
        if (sizes.length != strides.length) throw new IllegalArgumentException("sizes and strides differ in rank");
        if (sizes.length > MAX_DIMS)
            throw new IllegalArgumentException("CUDA kernels take at most " + MAX_DIMS + " dims (after merging), got "
                    + Arrays.toString(sizes));
    }

    int rank() { return sizes.length; }

    /** The tensor's own layout, dims unmerged (for kernels that index one dim, like gather). */
    static KernelLayout of(Tensor t) {
        int[] shape = t.shape();
        long[] sizes = new long[shape.length];
        for (int i = 0; i < shape.length; i++) sizes[i] = shape[i];
        return new KernelLayout(sizes, t.strides(), t.offset());
    }

    /** Layouts of operands that share one shape, with mergeable dims merged in all of them at once. */
    static KernelLayout[] merged(Tensor... ops) {
        int[] shape = ops[0].shape();
        long[][] strides = new long[ops.length][];
        long[] offsets = new long[ops.length];
        for (int i = 0; i < ops.length; i++) {
            if (!Arrays.equals(ops[i].shape(), shape))
                throw new IllegalArgumentException("operands differ in shape: " + ops[0] + " and " + ops[i]);
            strides[i] = ops[i].strides();
            offsets[i] = ops[i].offset();
        }
        return merged(shape, strides, offsets);
    }

    static KernelLayout[] merged(int[] shape, long[][] strides, long[] offsets) {
        int k = strides.length;
        long[] s = new long[shape.length];
        long[][] t = new long[k][shape.length];
        int w = 0;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1) continue;                         // a size-1 dim's stride never matters
            if (w > 0 && mergeable(t, s, w - 1, strides, shape, d)) {
                s[w - 1] *= shape[d];                            // dim w−1 steps over dim d as one block
                for (int i = 0; i < k; i++) t[i][w - 1] = strides[i][d];
                continue;
            }
            s[w] = shape[d];
            for (int i = 0; i < k; i++) t[i][w] = strides[i][d];
            w++;
        }
        KernelLayout[] out = new KernelLayout[k];
        for (int i = 0; i < k; i++) out[i] = new KernelLayout(Arrays.copyOf(s, w), Arrays.copyOf(t[i], w), offsets[i]);
        return out;
    }

    private static boolean mergeable(long[][] t, long[] s, int prev, long[][] strides, int[] shape, int d) {
        for (int i = 0; i < t.length; i++) if (t[i][prev] != strides[i][d] * shape[d]) return false;
        return true;
    }

    /** common.cuh's struct Layout: sizes[8] (unused = 1), strides[8] (unused = 0), offset, rank, padding. */
    byte[] pack() {
        ByteBuffer b = ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int d = 0; d < MAX_DIMS; d++) b.putLong(d < sizes.length ? sizes[d] : 1);
        for (int d = 0; d < MAX_DIMS; d++) b.putLong(d < strides.length ? strides[d] : 0);
        b.putLong(offset);
        b.putInt(sizes.length);
        b.putInt(0);
        return b.array();
    }

    /** The storage offset of element i in row-major order: the same arithmetic as element_offset in common.cuh. */
    long elementOffset(long i) {
        long off = offset;
        for (int d = sizes.length - 1; d >= 0; d--) {
            off += (i % sizes[d]) * strides[d];
            i /= sizes[d];
        }
        return off;
    }
}
