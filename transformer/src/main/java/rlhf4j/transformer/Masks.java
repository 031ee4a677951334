package rlhf4j.transformer;

import rlhf4j.tensor.Shapes;
import rlhf4j.tensor.Tensor;

/**
 * Attention masks (B, T) as the Hugging Face convention has them: 1 for a real token, 0 for padding. Padding may
 * sit on either side (left padding for generation, right padding for training batches); a position id counts
 * only the real tokens before it, so a row's tokens get positions 0, 1, 2, ... wherever its padding is.
 */
public final class Masks {
    private Masks() {}

    /**
     * Added to the scores of padding keys. Finite (not −∞) so that a padding query, whose every visible key is
     * padding, still gets a finite softmax instead of 0/0; its output is never used.
     */
    public static final float PAD_BIAS = -1e9f;

    /** The mask's values on the host, checked to be (B, T) of zeros and ones. */
    public static int[] read(Tensor mask, int b, int t) {
        if (mask.dim() != 2 || mask.size(0) != b || mask.size(1) != t)
            throw new IllegalArgumentException("attention mask must be (B, T) = (" + b + ", " + t + "), got "
                    + Shapes.str(mask.shape()));
        int[] m = mask.toIntArray();
        for (int x : m) if (x != 0 && x != 1) throw new IllegalArgumentException("attention mask holds " + x + ", expected 0 or 1");
        return m;
    }

    /** I32 (B, T): the number of real tokens before each position (0 for leading padding). */
    public static Tensor positions(int[] mask, int b, int t) {
        int[] pos = new int[b * t];
        for (int r = 0; r < b; r++) {
            int seen = 0;
            for (int i = 0; i < t; i++) {
                pos[r * t + i] = Math.max(seen - 1 + mask[r * t + i], 0);   // this token's index among the real ones
                seen += mask[r * t + i];
            }
        }
        return Tensor.ofInts(pos, b, t);
    }

    /** I32 (B, T) = 0, 1, ..., T−1 in every row. */
    public static Tensor positions(int b, int t) {
        int[] pos = new int[b * t];
        for (int i = 0; i < pos.length; i++) pos[i] = i % t;
        return Tensor.ofInts(pos, b, t);
    }

    /** F32 (B, 1, 1, T): 0 where mask is 1, {@link #PAD_BIAS} where it is 0. */
    public static Tensor keyBias(int[] mask, int b, int t) {
        float[] bias = new float[b * t];
        for (int i = 0; i < bias.length; i++) bias[i] = mask[i] == 0 ? PAD_BIAS : 0f;
        return Tensor.of(bias, b, 1, 1, t);
    }

    /** Index of the last real token of each row (B); a row without one is an error. */
    public static int[] lastTokenIndex(int[] mask, int b, int t) {
        int[] last = new int[b];
        for (int r = 0; r < b; r++) {
            last[r] = -1;
            for (int i = 0; i < t; i++) if (mask[r * t + i] == 1) last[r] = i;
            if (last[r] < 0) throw new IllegalArgumentException("row " + r + " of the attention mask has no real token");
        }
        return last;
    }
}
