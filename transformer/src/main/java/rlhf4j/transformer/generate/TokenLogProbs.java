package rlhf4j.transformer.generate;

import rlhf4j.autograd.Variable;
import rlhf4j.tensor.DType;
import rlhf4j.tensor.Tensor;

/**
 * Log-probabilities of the tokens a batch actually holds, with gradient: what PPO's ratio and KL penalty need.
 * For a batch from {@link Generation#batch}, column promptLength − 1 + i of the result is the log-probability of
 * completion token i, and with temperature-only sampling it equals what {@link Generator} returned for it.
 */
public final class TokenLogProbs {
    private TokenLogProbs() {}

    /**
     * log p(ids[:, t+1] | ids[:, ..t]) under softmax(logits / temperature).
     *
     * @param logits      (B, T, V)
     * @param ids         I32 (B, T)
     * @param temperature > 0 (the sampling temperature; 1 for the model's own distribution)
     * @return (B, T − 1)
     */
    public static Variable of(Variable logits, Tensor ids, double temperature) {
        int b = logits.size(0), t = logits.size(1);
        if (ids.dtype() != DType.I32 || ids.dim() != 2 || ids.size(0) != b || ids.size(1) != t)
            throw new IllegalArgumentException("ids must be I32 (B, T) matching logits " + java.util.Arrays.toString(logits.shape())
                    + ", got " + ids);
        if (!(temperature > 0)) throw new IllegalArgumentException("temperature " + temperature + " must be > 0");
        Variable scaled = temperature == 1 ? logits.narrow(1, 0, t - 1) : logits.narrow(1, 0, t - 1).div(temperature);   // (B, T−1, V)
        Tensor next = ids.narrow(1, 1, t - 1).contiguous().unsqueeze(2);                 // (B, T−1, 1) the token that followed
        return scaled.logSoftmax().gather(2, next).squeeze(2);                           // (B, T−1)
    }
}
