package rlhf4j.transformer.llama;

import rlhf4j.autograd.Functional;
import rlhf4j.autograd.Variable;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.transformer.io.RopeLayout;

/**
 * Rotary position embedding: each pair (a, b) of a head's features is rotated by the angle pos · θ^(−2i/hs) of
 * its pair index i, so that q·k depends on positions only through their difference. Which features pair up is
 * the {@link RopeLayout}: (2i, 2i+1) for llama2.c (interleaved), (i, i + hs/2) for Hugging Face (half split).
 *
 * <p>As one formula for both layouts: {@code out = x · cos + rot(x) · sin}, where cos and sin repeat each pair's
 * value on both of its features and rot(x) maps each pair (a, b) to (−b, a). rot is linear, a fixed signed
 * permutation matrix R (hs, hs), so rot(x) = x R is one small matrix product (and its gradient dy Rᵀ comes free).
 */
public final class Rotary {
    private final RopeLayout layout;
    private final int headSize;
    private final Variable cos, sin;   // (maxPositions, hs) constants, each pair's value on both features
    private final Variable rot;        // (hs, hs) constant: x R maps each pair (a, b) to (−b, a)
    private final float[] cosRows, sinRows;   // the same tables on the host, (maxPositions, hs)
    private final Device device;

    public Rotary(int headSize, int maxPositions, double theta, RopeLayout layout, Device device) {
        this.layout = layout;
        this.headSize = headSize;
        int half = headSize / 2;
        float[] c = new float[maxPositions * headSize], s = new float[maxPositions * headSize];
        for (int pos = 0; pos < maxPositions; pos++)
            for (int i = 0; i < half; i++) {
                double angle = pos / Math.pow(theta, 2.0 * i / headSize);
                int a = layout == RopeLayout.INTERLEAVED ? 2 * i : i;           // the pair's two features
                int b = layout == RopeLayout.INTERLEAVED ? 2 * i + 1 : i + half;
                c[pos * headSize + a] = c[pos * headSize + b] = (float) Math.cos(angle);
                s[pos * headSize + a] = s[pos * headSize + b] = (float) Math.sin(angle);
            }
        float[] r = new float[headSize * headSize];
        for (int i = 0; i < half; i++) {
            int a = layout == RopeLayout.INTERLEAVED ? 2 * i : i;
            int b = layout == RopeLayout.INTERLEAVED ? 2 * i + 1 : i + half;
            r[b * headSize + a] = -1;                                           // out[a] = −x[b]
            r[a * headSize + b] = 1;                                            // out[b] = x[a]
        }
        this.cosRows = c;
        this.sinRows = s;
        this.device = device;
        rot = Variable.constant(MemoryScope.unscoped(() -> Tensor.of(r, headSize, headSize).to(device)));
        cos = Variable.constant(MemoryScope.unscoped(() -> Tensor.of(c, maxPositions, headSize).to(device)));
        sin = Variable.constant(MemoryScope.unscoped(() -> Tensor.of(s, maxPositions, headSize).to(device)));
    }

    /** The (cos, sin) rows of the given positions I32 (B, T), each (B, T, 1, hs) to broadcast over heads. */
    public Variable[] tables(Tensor positions) {
        return new Variable[]{Functional.embedding(cos, positions).unsqueeze(2), Functional.embedding(sin, positions).unsqueeze(2)};
    }

    /**
     * The (cos, sin) rows of the given positions I32 (B, T) for x laid out head by head, (B, heads, T, hs), each
     * table (B, heads, T, hs) and dense: the same values as {@link #tables(Tensor)}, but x · cos is then one flat
     * product instead of a row of hs per head (which costs far more than its arithmetic when hs is small).
     */
    public Variable[] tables(Tensor positions, int heads) {
        int[] pos = positions.toIntArray();
        int b = positions.size(0), t = positions.size(1);
        float[] c = new float[pos.length * heads * headSize], s = new float[c.length];
        for (int r = 0; r < b; r++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < t; i++) {
                    int from = pos[r * t + i] * headSize, to = ((r * heads + h) * t + i) * headSize;
                    System.arraycopy(cosRows, from, c, to, headSize);
                    System.arraycopy(sinRows, from, s, to, headSize);
                }
        return new Variable[]{Variable.constant(Tensor.of(c, b, heads, t, headSize).to(device)),
                Variable.constant(Tensor.of(s, b, heads, t, headSize).to(device))};
    }

    /** The dense tables of one pass, for the query heads and for the key heads (shared when as many). */
    public record Tables(Variable[] queries, Variable[] keys) {}

    /** {@link #tables(Tensor, int)} for queries and keys of grouped-query attention. */
    public Tables tables(Tensor positions, int queryHeads, int keyHeads) {
        Variable[] q = tables(positions, queryHeads);
        return new Tables(q, keyHeads == queryHeads ? q : tables(positions, keyHeads));
    }

    /**
     * x rotated by the given tables: x · cos + rot(x) · sin; x (B, T, nHeads, hs) for {@link #tables(Tensor)}, or
     * (B, nHeads, T, hs) for {@link #tables(Tensor, int)}.
     */
    public Variable apply(Variable x, Variable[] cosSin) {
        return x.mul(cosSin[0]).add(rotate(x).mul(cosSin[1]));
    }

    /** rot(x) = x R: each pair (a, b) → (−b, a). x (B, T, nh, hs). */
    Variable rotate(Variable x) { return x.matmul(rot); }

    /** rot(x) built from slices instead of R: the reference the matrix form is tested against. */
    Variable rotateBySlices(Variable x) {
        int[] s = x.shape();
        int half = headSize / 2;
        if (layout == RopeLayout.HALF_SPLIT) {
            Variable first = x.narrow(3, 0, half), second = x.narrow(3, half, half);       // (B, T, nh, hs/2) each
            return Variable.cat(3, second.neg(), first);                                // (B, T, nh, hs)
        }
        Variable pairs = x.view(s[0], s[1], s[2], half, 2);                             // (B, T, nh, hs/2, 2)
        Variable a = pairs.narrow(4, 0, 1), b = pairs.narrow(4, 1, 1);                  // (B, T, nh, hs/2, 1)
        return Variable.cat(4, b.neg(), a).view(s);                                     // (B, T, nh, hs)
    }
}
