package rlhf4j.transformer.infer;

/**
 * The keys and values of one stream, laid out once for its whole generation, per layer and key head in runs of
 * {@link #RUN} positions, each run transposed (hs, RUN): a query's scores over a run are vector multiply-adds over
 * features, so is each feature of the weighted sum of values, and a pass over positions reads one contiguous
 * stretch of memory (which the hardware prefetches). Positions are padded to {@link #BLOCK}, so the vector
 * kernels run whole blocks (slots past the written positions hold zeros and are masked out). A stream's cache is
 * as long as its own prompt plus its own completion, and a finished stream's cache is dropped.
 */
public final class StreamCache {
    /** Positions are padded to a multiple of this (two vectors of the widest x86 species). */
    static final int BLOCK = 32;
    /** Positions per transposed run. */
    static final int RUN = 16;

    final float[] keys;     // (layers, nKv, stride / RUN, hs, RUN)
    final float[] values;   // (layers, nKv, stride / RUN, hs, RUN)
    final int capacity, stride, nKv, headSize;

    public StreamCache(int layers, int nKv, int headSize, int capacity) {
        if (layers <= 0 || nKv <= 0 || headSize <= 0 || capacity <= 0)
            throw new IllegalArgumentException("a stream cache needs positive sizes, got " + layers + ", " + nKv + ", "
                    + headSize + ", " + capacity);
        this.capacity = capacity;
        this.stride = padded(capacity);
        this.nKv = nKv;
        this.headSize = headSize;
        long size = (long) layers * nKv * headSize * stride;
        if (size > Integer.MAX_VALUE - 16)
            throw new IllegalArgumentException("a stream cache of " + size + " floats is too large");
        keys = new float[(int) size];
        values = new float[(int) size];
    }

    /** n rounded up to a whole number of blocks. */
    static int padded(int n) { return (n + BLOCK - 1) / BLOCK * BLOCK; }

    public int capacity() { return capacity; }

    /** Offset of key (and value) head kvh of a layer in {@link #keys} and {@link #values}. */
    int headBase(int layer, int kvh) { return ((layer * nKv + kvh) * headSize) * stride; }

    /** Offset of position t (feature 0) from a head's base. */
    int slot(int t) { return (t / RUN) * (headSize * RUN) + t % RUN; }

    /** Writes position pos of a layer: k and v (nKv·hs each) from src at kOff and vOff. */
    void write(int layer, int pos, float[] src, int kOff, int vOff) {
        if (pos >= capacity) throw new IllegalStateException("position " + pos + " is past the stream's " + capacity + " slots");
        for (int h = 0; h < nKv; h++) {
            int base = headBase(layer, h) + slot(pos);
            for (int d = 0, at = base; d < headSize; d++, at += RUN) {
                keys[at] = src[kOff + h * headSize + d];
                values[at] = src[vOff + h * headSize + d];
            }
        }
    }
}
