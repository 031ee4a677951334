package rlhf4j.transformer.infer;

/**
 * The buffers of one decode step, laid out once per generation for up to {@code rows} rows (one per live stream):
 * each row's token, position and cache, and every activation as a (rows, width) block. Rows are independent, so
 * threads may work on disjoint row ranges at once.
 */
public final class DecodeScratch {
    public final int rows;
    public final int[] tokens, positions;       // (rows)
    public final StreamCache[] caches;          // (rows)
    final float[] x, normed, qkv, attended;     // (rows, C), (rows, C), (rows, qkv width), (rows, C)
    final float[] hidden, activation;           // (rows, MLP widths)
    private final float[][] scores;             // (rows) × (two heads × longest stream, padded)
    public final float[] logits;                // (rows, V)

    DecodeScratch(Decoder d, int rows, int longest) {
        this.rows = rows;
        tokens = new int[rows];
        positions = new int[rows];
        caches = new StreamCache[rows];
        x = new float[rows * d.width];
        normed = new float[rows * d.width];
        qkv = new float[rows * d.qkvWidth()];
        attended = new float[rows * d.width];
        hidden = new float[rows * d.mlpHiddenWidth()];
        activation = new float[rows * d.mlpActivationWidth()];
        scores = new float[rows][CacheAttention.scratchLength(longest)];   // two heads at a time
        logits = new float[rows * d.vocab];
    }

    /** Row r's attention score scratch. */
    float[] rowScores(int r) { return scores[r]; }

    /** Sets row r to feed token at position pos of the stream whose cache is given. */
    public void set(int r, int token, int pos, StreamCache cache) {
        tokens[r] = token;
        positions[r] = pos;
        caches[r] = cache;
    }
}
