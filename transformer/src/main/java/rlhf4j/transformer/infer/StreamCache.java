package rlhf4j.transformer.infer;

/**
 * The keys and values of one stream, laid out once for its whole generation: keys transposed, per layer and key
 * head (hs, capacity), so a query's scores over all positions are a run of vector multiply-adds; values per
 * layer (capacity, kvDim), so the weighted sum is one multiply-add per position. A stream's cache is as long
 * as its own prompt plus its own completion: no padding, and a finished stream's cache is dropped.
 */
public final class StreamCache {
    final float[] keys;     // (layers, nKv, hs, capacity)
    final float[] values;   // (layers, capacity, nKv·hs)
    final int capacity, nKv, headSize;

    public StreamCache(int layers, int nKv, int headSize, int capacity) {
        if (layers <= 0 || nKv <= 0 || headSize <= 0 || capacity <= 0)
            throw new IllegalArgumentException("a stream cache needs positive sizes, got " + layers + ", " + nKv + ", "
                    + headSize + ", " + capacity);
        this.capacity = capacity;
        this.nKv = nKv;
        this.headSize = headSize;
        long size = (long) layers * nKv * headSize * capacity;
        if (size > Integer.MAX_VALUE - 16)
            throw new IllegalArgumentException("a stream cache of " + size + " floats is too large");
        keys = new float[(int) size];
        values = new float[(int) size];
    }

    public int capacity() { return capacity; }

    /** Offset of key head kvh of a layer in {@link #keys}. */
    int keyBase(int layer, int kvh) { return ((layer * nKv + kvh) * headSize) * capacity; }

    /** Offset of position pos of a layer in {@link #values}. */
    int valueBase(int layer, int pos) { return (layer * capacity + pos) * nKv * headSize; }

    /** Writes position pos of a layer: k and v (nKv·hs each) from src at kOff and vOff. */
    void write(int layer, int pos, float[] src, int kOff, int vOff) {
        if (pos >= capacity) throw new IllegalStateException("position " + pos + " is past the stream's " + capacity + " slots");
        for (int h = 0; h < nKv; h++) {
            int base = keyBase(layer, h) + pos;
            for (int d = 0; d < headSize; d++) keys[base + d * capacity] = src[kOff + h * headSize + d];
        }
        System.arraycopy(src, vOff, values, valueBase(layer, pos), nKv * headSize);
    }
}
