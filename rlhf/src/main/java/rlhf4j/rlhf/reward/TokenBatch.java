package rlhf4j.rlhf.reward;

import java.util.List;
import rlhf4j.tensor.Tensor;

/**
 * Sequences of different lengths as one padded batch: ids and mask I32 (B, T), mask 1 on real tokens. The pad id
 * is 0 (the mask keeps it from ever being attended or read). A sequence head reads each row's last real token, so
 * either side works; generation pads on the left, training batches on the right.
 */
public record TokenBatch(Tensor ids, Tensor mask) {

    public enum Side { LEFT, RIGHT }

    public static final int PAD_ID = 0;

    public int size() { return ids.size(0); }

    /** Pads rows to the longest one on the given side. */
    public static TokenBatch of(List<int[]> rows, Side side) {
        int b = rows.size(), t = 1;
        for (int[] r : rows) {
            if (r.length == 0) throw new IllegalArgumentException("a sequence of the batch is empty");
            t = Math.max(t, r.length);
        }
        int[] ids = new int[b * t], mask = new int[b * t];                       // (B, T)
        for (int i = 0; i < b; i++) {
            int[] r = rows.get(i);
            int start = side == Side.LEFT ? t - r.length : 0;
            for (int j = 0; j < r.length; j++) {
                ids[i * t + start + j] = r[j];
                mask[i * t + start + j] = 1;
            }
        }
        return new TokenBatch(Tensor.ofInts(ids, b, t), Tensor.ofInts(mask, b, t));
    }

    /** The last maxLength ids (the end matters most: the head reads the last token). */
    public static int[] keepLast(int[] ids, int maxLength) {
        return ids.length <= maxLength ? ids : java.util.Arrays.copyOfRange(ids, ids.length - maxLength, ids.length);
    }
}
