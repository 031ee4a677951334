package rlhf4j.transformer.generate;

import rlhf4j.tensor.Tensor;

/**
 * The result of generating from a batch of prompts.
 *
 * @param prompts   the prompts as given, row by row
 * @param tokens    the generated ids of each row (ending with the stop token when the row stopped)
 * @param logProbs  log-probability of each generated token under the distribution it was drawn from
 *                  (see {@link Sampler}); same lengths as tokens
 */
public record Generation(int[][] prompts, int[][] tokens, float[][] logProbs) {

    /** Longest prompt. */
    public int promptLength() {
        int p = 0;
        for (int[] r : prompts) p = Math.max(p, r.length);
        return p;
    }

    /** Longest completion. */
    public int completionLength() {
        int n = 0;
        for (int[] r : tokens) n = Math.max(n, r.length);
        return n;
    }

    /**
     * Prompt + completion of every row as one (B, P + N) batch: prompts left-padded to P, completions
     * right-padded to N, pads filled with padId. ids and mask are I32 (mask 1 for real tokens).
     */
    public Batch batch(int padId) {
        int b = prompts.length, p = promptLength(), n = completionLength(), t = p + n;
        int[] ids = new int[b * t], mask = new int[b * t];
        java.util.Arrays.fill(ids, padId);
        for (int r = 0; r < b; r++) {
            int start = p - prompts[r].length;
            for (int i = 0; i < prompts[r].length; i++) { ids[r * t + start + i] = prompts[r][i]; mask[r * t + start + i] = 1; }
            for (int i = 0; i < tokens[r].length; i++) { ids[r * t + p + i] = tokens[r][i]; mask[r * t + p + i] = 1; }
        }
        return new Batch(Tensor.ofInts(ids, b, t), Tensor.ofInts(mask, b, t), p, n);
    }

    /**
     * A padded batch: ids and mask (B, P + N); the completion of every row starts at column promptLength, so
     * token i of row r was predicted by the logits at column promptLength − 1 + i.
     */
    public record Batch(Tensor ids, Tensor mask, int promptLength, int completionLength) {}
}
