package rlhf4j.transformer.train;

import java.util.Arrays;
import java.util.List;
import rlhf4j.tensor.CounterRng;

/**
 * Batches of SFT examples, right-padded to the longest row. Epochs visit every example once in an order shuffled
 * from (seed, epoch), and batch i takes the examples at positions i·B … i·B+B−1 of that endless sequence, so a batch
 * is a pure function of its number.
 *
 * <p>Row layout for prompt p₀…p_{m−1} and response r₀…r_{k−1} (r_{k−1} = EOS): inputs = p₀…p_{m−1} r₀…r_{k−2}, pad…;
 * targets = IGNORE×(m−1), r₀…r_{k−1}, IGNORE…. The loss therefore covers exactly the response tokens. Padding sits
 * after the real tokens, where causal attention keeps it from influencing them, so no attention mask is needed.
 * An example longer than maxLength + 1 tokens loses the end of its response.
 */
public final class SftBatches implements BatchSource {
    private final List<SftExample> examples;
    private final int batchSize, maxLength, padId;
    private final long seed;
    private long cachedEpoch = -1;
    private int[] order;                                 // the shuffled example order of cachedEpoch

    public SftBatches(List<SftExample> examples, int batchSize, int maxLength, int padId, long seed) {
        if (examples.isEmpty()) throw new IllegalArgumentException("no SFT examples");
        if (maxLength < 1) throw new IllegalArgumentException("max length " + maxLength + " must be positive");
        for (int i = 0; i < examples.size(); i++)
            if (examples.get(i).prompt().length > maxLength)
                throw new IllegalArgumentException("example " + i + " has a prompt of " + examples.get(i).prompt().length
                        + " tokens, leaving no room for a response in " + maxLength + " positions");
        this.examples = List.copyOf(examples);
        this.batchSize = batchSize;
        this.maxLength = maxLength;
        this.padId = padId;
        this.seed = seed;
    }

    public int size() { return examples.size(); }

    /** The index of the example at position p of the endless shuffled sequence. */
    int exampleAt(long p) {
        long epoch = p / examples.size();
        if (epoch != cachedEpoch) {
            order = shuffled(examples.size(), CounterRng.bits(seed, epoch));
            cachedEpoch = epoch;
        }
        return order[(int) (p % examples.size())];
    }

    /** A Fisher–Yates permutation of 0..n−1 driven by the counter stream of this seed. */
    static int[] shuffled(int n, long seed) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = (int) Long.remainderUnsigned(CounterRng.bits(seed, i), i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    @Override public Batch batch(long index) {
        SftExample[] rows = new SftExample[batchSize];
        int t = 1;
        for (int r = 0; r < batchSize; r++) {
            rows[r] = examples.get(exampleAt(index * batchSize + r));
            t = Math.max(t, Math.min(rows[r].length() - 1, maxLength));
        }
        int[][] x = new int[batchSize][], y = new int[batchSize][];
        for (int r = 0; r < batchSize; r++) {
            x[r] = new int[t];
            y[r] = new int[t];
            layOut(rows[r], x[r], y[r], padId);
        }
        return new Batch(x, y);
    }

    /** Fills one row: the sequence shifted by one, the prompt's and padding's targets IGNORE (see the class notes). */
    static void layOut(SftExample e, int[] x, int[] y, int padId) {
        int m = e.prompt().length;
        int[] seq = new int[e.length()];
        System.arraycopy(e.prompt(), 0, seq, 0, m);
        System.arraycopy(e.response(), 0, seq, m, e.response().length);
        int n = Math.min(seq.length - 1, x.length);                   // positions with a next token
        Arrays.fill(x, padId);
        Arrays.fill(y, Batch.IGNORE);
        for (int i = 0; i < n; i++) {
            x[i] = seq[i];
            if (i + 1 >= m) y[i] = seq[i + 1];                         // the next token is part of the response
        }
    }
}
