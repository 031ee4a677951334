package rlhf4j.transformer.infer;

import rlhf4j.transformer.io.RopeLayout;

/**
 * Rotary embedding for decoding: pair (a, b) of each head (features (2i, 2i+1) interleaved, (i, i + hs/2) half
 * split) at position pos turns by angle pos · θ^(−2i/hs): {@code a' = a cos − b sin, b' = a sin + b cos}, with
 * the angles' cos and sin tabulated once per position.
 */
public final class RopeTable {
    private final float[] cos, sin;   // (maxPositions, hs/2)
    private final int headSize, half;
    private final boolean interleaved;

    public RopeTable(int headSize, int maxPositions, double theta, RopeLayout layout) {
        this.headSize = headSize;
        this.half = headSize / 2;
        this.interleaved = layout == RopeLayout.INTERLEAVED;
        cos = new float[maxPositions * half];
        sin = new float[maxPositions * half];
        for (int pos = 0; pos < maxPositions; pos++)
            for (int i = 0; i < half; i++) {
                double angle = pos / Math.pow(theta, 2.0 * i / headSize);
                cos[pos * half + i] = (float) Math.cos(angle);
                sin[pos * half + i] = (float) Math.sin(angle);
            }
    }

    /** Rotates heads of v[off ..] (heads·hs) in place for position pos. */
    public void apply(float[] v, int off, int heads, int pos) {
        int t = pos * half;
        for (int h = 0; h < heads; h++) {
            int base = off + h * headSize;
            for (int i = 0; i < half; i++) {
                int a = base + (interleaved ? 2 * i : i), b = base + (interleaved ? 2 * i + 1 : i + half);
                float c = cos[t + i], s = sin[t + i], x = v[a], y = v[b];
                v[a] = x * c - y * s;
                v[b] = x * s + y * c;
            }
        }
    }
}
