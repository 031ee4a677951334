package rlhf4j.tensor.cpu;

import rlhf4j.tensor.Tensor;

/**
 * Walks N-d strided operands that share one shape, row by row. Adjacent dims that are laid out contiguously in
 * every operand are merged first, so a contiguous tensor of any rank is one long row.
 */
final class Strided {
    private Strided() {}

    /** Called once per innermost row: offsets[k] is operand k's element offset (read it, never write it), n the row length. */
    interface RowBody {
        void row(long[] offsets, int n, long[] innerStrides);
    }

    /** Merged shape and per-operand strides of operands that share {@code shape}. */
    record Layout(int[] shape, long[][] strides) {
        /** Rows of the walk; none when there are no elements (a zero-length row may start past the storage's end). */
        long rows() {
            long r = 1;
            for (int i = 0; i < shape.length - 1; i++) r *= shape[i];
            return rowLength() == 0 ? 0 : r;
        }

        int rowLength() { return shape.length == 0 ? 1 : shape[shape.length - 1]; }
    }

    static Layout layout(Tensor... ops) {
        int[] shape = ops[0].shape();
        int k = ops.length;
        long[][] st = new long[k][];
        for (int i = 0; i < k; i++) st[i] = ops[i].strides();
        // drop size-1 dims (their stride never matters)
        int rank = 0;
        for (int d = 0; d < shape.length; d++) if (shape[d] != 1) rank++;
        int[] s = new int[rank];
        long[][] t = new long[k][rank];
        for (int d = 0, j = 0; d < shape.length; d++) {
            if (shape[d] == 1) continue;
            s[j] = shape[d];
            for (int i = 0; i < k; i++) t[i][j] = st[i][d];
            j++;
        }
        // merge dim d into d+1 when every operand steps over d as one block of d+1
        int w = 0;
        for (int d = 0; d < rank; d++) {
            if (w > 0) {
                boolean merge = true;
                for (int i = 0; i < k && merge; i++) merge = t[i][w - 1] == t[i][d] * s[d];
                if (merge) {
                    s[w - 1] *= s[d];
                    for (int i = 0; i < k; i++) t[i][w - 1] = t[i][d];
                    continue;
                }
            }
            s[w] = s[d];
            for (int i = 0; i < k; i++) t[i][w] = t[i][d];
            w++;
        }
        int[] ms = java.util.Arrays.copyOf(s, w);
        long[][] mt = new long[k][];
        for (int i = 0; i < k; i++) mt[i] = java.util.Arrays.copyOf(t[i], w);
        return new Layout(ms, mt);
    }

    /**
     * Visits rows [rowStart, rowEnd) of the layout. Operand k starts at {@code base[k]}. Rows are numbered
     * row-major over all dims but the last, so callers can split the range over threads.
     */
    static void forRows(Layout l, long[] base, long rowStart, long rowEnd, RowBody body) {
        if (rowStart >= rowEnd) return;   // nothing to visit (also keeps a zero dim out of the decoding below)
        int rank = l.shape().length;
        int k = base.length;
        long[] inner = new long[k];
        long[] off = new long[k];
        if (rank == 0) {
            if (rowStart == 0 && rowEnd > 0) body.row(base.clone(), 1, inner);
            return;
        }
        for (int i = 0; i < k; i++) inner[i] = l.strides()[i][rank - 1];
        int n = l.shape()[rank - 1];
        int outer = rank - 1;
        int[] idx = new int[outer];
        // decode rowStart into a multi-index
        long r = rowStart;
        for (int d = outer - 1; d >= 0; d--) {
            idx[d] = (int) (r % l.shape()[d]);
            r /= l.shape()[d];
        }
        int[] shape = l.shape();
        long[][] strides = l.strides();
        for (int i = 0; i < k; i++) {
            long o = base[i];
            for (int d = 0; d < outer; d++) o += idx[d] * strides[i][d];
            off[i] = o;
        }
        // the offsets are stepped like an odometer, not recomputed: rows are often short (a head of 8 floats)
        for (long row = rowStart; row < rowEnd; row++) {
            body.row(off, n, inner);
            for (int d = outer - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) {
                    for (int i = 0; i < k; i++) off[i] += strides[i][d];
                    break;
                }
                idx[d] = 0;
                for (int i = 0; i < k; i++) off[i] -= (shape[d] - 1L) * strides[i][d];
            }
        }
    }
}
