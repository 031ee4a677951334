package rlhf4j.rlhf.dpo;

import java.util.List;
import rlhf4j.rlhf.reward.PairwiseLoss;
import rlhf4j.tensor.Tensor;

/**
 * Some rows of a {@link PairData} as the host tensors a forward pass takes: prompt + completion ids and attention
 * (b, T = P + N) I32, prompts left-padded to P and completions right-padded to N; the completion ids (b, N) and
 * their mask (b, N) F32 (1 on real tokens); and the pairs, indices into these b rows.
 *
 * @param rows which rows of the data, in batch order
 */
public record PairBatch(int[] rows, Tensor ids, Tensor attention, Tensor completionIds, Tensor completionMask, int promptLength,
                        int n, PairwiseLoss.Pairs pairs) {

    static PairBatch of(int[] rows, List<int[]> prompts, List<int[]> completions, PairwiseLoss.Pairs pairs) {
        int b = rows.length, p = 1, n = 1;
        for (int r : rows) {
            p = Math.max(p, prompts.get(r).length);
            n = Math.max(n, completions.get(r).length);
        }
        int t = p + n;
        int[] ids = new int[b * t], att = new int[b * t], cids = new int[b * n];
        float[] cmask = new float[b * n];
        for (int j = 0; j < b; j++) {
            int[] prompt = prompts.get(rows[j]), completion = completions.get(rows[j]);
            for (int i = 0; i < prompt.length; i++) {
                ids[j * t + p - prompt.length + i] = prompt[i];
                att[j * t + p - prompt.length + i] = 1;
            }
            for (int i = 0; i < completion.length; i++) {
                ids[j * t + p + i] = completion[i];
                att[j * t + p + i] = 1;
                cids[j * n + i] = completion[i];
                cmask[j * n + i] = 1;
            }
        }
        return new PairBatch(rows, Tensor.ofInts(ids, b, t), Tensor.ofInts(att, b, t), Tensor.ofInts(cids, b, n), Tensor.of(cmask, b, n),
                p, n, pairs);
    }

    public int size() { return rows.length; }
}
