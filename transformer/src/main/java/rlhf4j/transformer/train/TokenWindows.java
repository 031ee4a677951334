package rlhf4j.transformer.train;

import rlhf4j.tensor.CounterRng;

/**
 * Random windows of a token stream, as nanoGPT's {@code get_batch}: each row starts at a uniformly drawn offset
 * o ∈ [0, n − T − 1], inputs = tokens[o, o+T), targets = tokens[o+1, o+T+1). The offset of row r of batch i is
 * drawn from the counter-based stream (seed, i·B + r), so batches need no state to reproduce.
 */
public final class TokenWindows implements BatchSource {
    private final int[] tokens;
    private final int batchSize, blockSize;
    private final long seed;

    /** Windows of blockSize tokens from tokens, which must hold at least blockSize + 1. */
    public TokenWindows(int[] tokens, int batchSize, int blockSize, long seed) {
        if (tokens.length < blockSize + 1)
            throw new IllegalArgumentException("a split of " + tokens.length + " tokens is too short for windows of "
                    + blockSize + " tokens plus one target; use a smaller --block-size or more data");
        this.tokens = tokens;
        this.batchSize = batchSize;
        this.blockSize = blockSize;
        this.seed = seed;
    }

    /** Number of distinct window offsets. */
    public int offsets() { return tokens.length - blockSize; }

    /** The window offset of row r of batch i. */
    public int offset(long index, int row) {
        long bits = CounterRng.bits(seed, index * batchSize + row);
        return (int) Long.remainderUnsigned(bits, offsets());                   // modulo bias < offsets / 2⁶⁴
    }

    @Override public Batch batch(long index) {
        int[][] x = new int[batchSize][blockSize], y = new int[batchSize][blockSize];
        for (int r = 0; r < batchSize; r++) {
            int o = offset(index, r);
            System.arraycopy(tokens, o, x[r], 0, blockSize);
            System.arraycopy(tokens, o + 1, y[r], 0, blockSize);
        }
        return new Batch(x, y);
    }

    /** The first {@code fraction} of the tokens (nanoGPT: 0.9 train) and the rest: {train, val}. */
    public static int[][] split(int[] tokens, double fraction) {
        if (!(fraction > 0 && fraction < 1)) throw new IllegalArgumentException("split fraction " + fraction + " must be in (0, 1)");
        int n = (int) (tokens.length * fraction);
        return new int[][]{java.util.Arrays.copyOfRange(tokens, 0, n), java.util.Arrays.copyOfRange(tokens, n, tokens.length)};
    }
}
