package rlhf4j.transformer.infer;

/**
 * The fused attention input of decoding: one product {@code [q | k | v] = x · [Wq | Wk | Wv] + b}, the rotary
 * embedding on q and k at each row's own position (none for learned positions), and k, v written straight into
 * the row's stream cache.
 */
public final class QkvRope {
    final DecodeLinear projection;   // C → nHeads·hs + 2·nKv·hs
    final RopeTable rope;            // or null
    final int nHeads, nKv, headSize;

    public QkvRope(DecodeLinear projection, RopeTable rope, int nHeads, int nKv, int headSize) {
        if (projection.out() != (nHeads + 2 * nKv) * headSize)
            throw new IllegalArgumentException("q/k/v projection gives " + projection.out() + " features, heads need "
                    + (nHeads + 2 * nKv) * headSize);
        this.projection = projection;
        this.rope = rope;
        this.nHeads = nHeads;
        this.nKv = nKv;
        this.headSize = headSize;
    }

    public int width() { return projection.out(); }

    /** Rows r0..r1−1: out (rows, width) = [q | k | v] of x (rows, C); layer's k, v of row r go to caches[r] at positions[r]. */
    public void apply(float[] x, float[] out, int r0, int r1, int[] positions, StreamCache[] caches, int layer, boolean vector) {
        projection.apply(x, out, r0, r1, false, vector);
        int w = width(), kOff = nHeads * headSize, vOff = kOff + nKv * headSize;
        for (int r = r0; r < r1; r++) {
            if (rope != null) {
                rope.apply(out, r * w, nHeads, positions[r]);
                rope.apply(out, r * w + kOff, nKv, positions[r]);
            }
            caches[r].write(layer, positions[r], out, r * w + kOff, r * w + vOff);
        }
    }
}
