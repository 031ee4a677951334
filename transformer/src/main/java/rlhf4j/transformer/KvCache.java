package rlhf4j.transformer;

import rlhf4j.autograd.Variable;
import rlhf4j.tensor.DType;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;

/**
 * Keys and values of the positions already processed, per layer, so that generating one more token costs one
 * token's work instead of the whole prefix's. Preallocated once for the longest sequence: every row of the batch
 * writes slot {@code length()} at the same time (rows of different lengths are aligned by left padding, see
 * {@link rlhf4j.transformer.generate.Generator}).
 *
 * <p>Not part of autograd: a cached forward pass runs under {@link rlhf4j.autograd.Grad#off()}.
 */
public final class KvCache implements AutoCloseable {
    private final Tensor[] keys;     // per layer (B, nKvHead, maxLength, headSize)
    private final Tensor[] values;   // per layer (B, nKvHead, maxLength, headSize)
    private final int batch, maxLength;
    private int length;              // slots 0..length−1 are filled

    public KvCache(int layers, int batch, int nKvHead, int maxLength, int headSize, Device device) {
        if (layers <= 0 || batch <= 0 || maxLength <= 0)
            throw new IllegalArgumentException("KV cache needs positive layers, batch and length, got " + layers + ", "
                    + batch + ", " + maxLength);
        this.batch = batch;
        this.maxLength = maxLength;
        keys = new Tensor[layers];
        values = new Tensor[layers];
        MemoryScope.unscoped(() -> {          // lives as long as the cache, whatever scope creates it
            for (int l = 0; l < layers; l++) {
                keys[l] = Tensor.empty(DType.F32, device, batch, nKvHead, maxLength, headSize);
                values[l] = Tensor.empty(DType.F32, device, batch, nKvHead, maxLength, headSize);
            }
            return null;
        });
    }

    public int batch() { return batch; }

    public int maxLength() { return maxLength; }

    /** Slots filled so far: the position in the cache of the next token. */
    public int length() { return length; }

    /**
     * Writes one layer's new keys and values k, v (B, nKvHead, T, headSize) into slots length..length+T−1 and
     * returns views of all keys and values so far, each (B, nKvHead, length+T, headSize). No copy but the write.
     */
    public Variable[] append(int layer, Variable k, Variable v) {
        int t = k.size(2);
        if (k.size(0) != batch)
            throw new IllegalArgumentException("KV cache holds batch " + batch + ", got keys for batch " + k.size(0));
        if (length + t > maxLength)
            throw new IllegalArgumentException("KV cache full: " + length + " + " + t + " tokens exceed its "
                    + maxLength + " slots");
        keys[layer].narrow(2, length, t).copyFrom(k.value());
        values[layer].narrow(2, length, t).copyFrom(v.value());
        return new Variable[]{Variable.constant(keys[layer].narrow(2, 0, length + t)),
                Variable.constant(values[layer].narrow(2, 0, length + t))};
    }

    /** Marks T more slots filled (a model calls this once after all layers appended). */
    public void advance(int t) { length += t; }

    /** Forgets the contents (the memory is kept for the next sequence). */
    public void reset() { length = 0; }

    /** Frees the memory now. */
    @Override public void close() {
        for (Tensor t : keys) t.free();
        for (Tensor t : values) t.free();
    }
}
