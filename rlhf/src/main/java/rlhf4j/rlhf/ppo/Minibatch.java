package rlhf4j.rlhf.ppo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import rlhf4j.tensor.Tensor;

/**
 * Some rows of a rollout's token batch, as the host tensors a forward pass takes: ids and attention mask (b, T) I32
 * and the completion ids (b, N). Every pass over a rollout (log π_old and values, log π_ref, the PPO updates) goes
 * through the same slices, so a row's numbers never depend on which other rows shared its batch.
 *
 * @param rows          which rollout rows, in order
 * @param ids           (b, T) prompt + completion ids
 * @param mask          (b, T) attention, 1 for real tokens
 * @param completionIds (b, N) the completion's ids (columns P..P+N−1)
 * @param promptLength  P
 * @param n             N
 */
public record Minibatch(int[] rows, Tensor ids, Tensor mask, Tensor completionIds, int promptLength, int n) {

    public static Minibatch of(Rollout.Tokens tokens, int[] rows) {
        int b = rows.length, t = tokens.width(), p = tokens.promptLength(), n = tokens.n();
        int[] xi = new int[b * t], xm = new int[b * t], ci = new int[b * n];
        for (int j = 0; j < b; j++) {
            System.arraycopy(tokens.ids(), rows[j] * t, xi, j * t, t);
            System.arraycopy(tokens.attention(), rows[j] * t, xm, j * t, t);
            System.arraycopy(tokens.ids(), rows[j] * t + p, ci, j * n, n);
        }
        return new Minibatch(rows, Tensor.ofInts(xi, b, t), Tensor.ofInts(xm, b, t), Tensor.ofInts(ci, b, n), p, n);
    }

    /** An order of the rollout's rows cut into consecutive slices of {@code size}: minibatch k is slice k. */
    public static List<int[]> slices(int[] order, int size) {
        List<int[]> out = new ArrayList<>();
        for (int from = 0; from < order.length; from += size) out.add(Arrays.copyOfRange(order, from, from + size));
        return out;
    }

    /** This minibatch's rows of a (B, N) host array → a (b, N) host tensor. */
    public Tensor gather(float[] src) {
        float[] out = new float[rows.length * n];
        for (int j = 0; j < rows.length; j++) System.arraycopy(src, rows[j] * n, out, j * n, n);
        return Tensor.of(out, rows.length, n);
    }

    /** A (b, N) result of this minibatch written into its rows of a (B, N) host array. */
    public void scatter(Tensor src, float[] dst) {
        float[] v = src.contiguous().toFloatArray();
        for (int j = 0; j < rows.length; j++) System.arraycopy(v, j * n, dst, rows[j] * n, n);
    }
}
