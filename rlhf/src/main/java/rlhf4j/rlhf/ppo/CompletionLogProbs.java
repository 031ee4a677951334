package rlhf4j.rlhf.ppo;

import rlhf4j.autograd.Variable;
import rlhf4j.tensor.Tensor;
import rlhf4j.transformer.TransformerModel;

/**
 * Per-token log-probabilities and entropies of a completion under a model, from its logits over the padded
 * prompt + completion batch. Token i of the completion (column P + i) is predicted by the logits at column
 * P − 1 + i, so the completion's N predictions are columns P − 1 .. P + N − 2. The distribution is
 * softmax(logits / temperature): the one the tokens were sampled from, so that ratio = 1 before any update.
 * These are {@link rlhf4j.transformer.generate.TokenLogProbs} restricted to the completion's columns (the LM head
 * runs on those N columns only: the prompt's logits are never computed), with the entropy from the same log-softmax.
 */
public final class CompletionLogProbs {
    private CompletionLogProbs() {}

    /** The logits (B, T, V) that predict the completion → (B, N, V), divided by the temperature. */
    public static Variable completionLogits(Variable logits, int promptLength, int n, double temperature) {
        return atTemperature(logits.narrow(1, promptLength - 1, n), temperature);         // (B, N, V)
    }

    /** Logits already cut to the completion's columns (B, N, V), divided by the temperature. */
    public static Variable atTemperature(Variable logits, double temperature) {
        return temperature == 1.0 ? logits : logits.div(temperature);
    }

    /** The first of the N columns whose logits predict the completion: P − 1. */
    public static int firstColumn(Minibatch x) { return x.promptLength() - 1; }

    /** log π(token) for each completion token: logp (B, N, V) gathered at ids (B, N) → (B, N). */
    public static Variable gather(Variable logp, Tensor completionIds) {
        int b = completionIds.size(0), n = completionIds.size(1);
        Tensor index = completionIds.contiguous().view(b, n, 1).to(logp.value().device());   // (B, N, 1) I32
        return logp.gather(2, index).squeeze(2);                                           // (B, N)
    }

    /** Entropy H = −Σ_v p·log p of each position: logp (B, N, V) → (B, N). */
    public static Variable entropy(Variable logp) {
        return logp.exp().mul(logp).sum(-1).neg();                                         // (B, N)
    }

    /** log π(y_t) (b, N) of a minibatch's completion tokens under a model without heads, at temperature τ. */
    public static Variable of(TransformerModel model, Minibatch x, double temperature) {
        return gather(logSoftmax(model, x, temperature), x.completionIds());                                           // (b, N)
    }

    /** log softmax(z/τ) (b, N, V) of a model without heads at the columns that predict the completion. */
    public static Variable logSoftmax(TransformerModel model, Minibatch x, double temperature) {
        Variable hidden = model.hidden(x.ids().to(model.device()), x.mask().to(model.device()));                       // (b, T, C)
        Variable logits = model.logits(hidden.narrow(1, firstColumn(x), x.n()));                                       // (b, N, V)
        return atTemperature(logits, temperature).logSoftmax();                                                        // (b, N, V)
    }
}
