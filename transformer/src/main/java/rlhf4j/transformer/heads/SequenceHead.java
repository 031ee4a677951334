package rlhf4j.transformer.heads;

import rlhf4j.autograd.Variable;
import rlhf4j.autograd.nn.Linear;
import rlhf4j.autograd.nn.Module;
import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.Tensor;
import rlhf4j.transformer.Masks;

/**
 * N scores per sequence, read at its last real (non-pad) token, as Hugging Face's ...ForSequenceClassification:
 * a reward model is the case N = 1 ({@link #reward}), a classifier has N classes. The last token is the only
 * one that has seen the whole sequence under causal attention.
 */
public final class SequenceHead extends Module {
    public final int numOutputs;
    public final Linear score;      // weight (N, C), bias (N)

    public SequenceHead(int width, int numOutputs, long seed, Device device) {
        this.numOutputs = numOutputs;
        score = registerModule("score", new Linear(width, numOutputs, true, CounterRng.bits(seed, 0), device));
    }

    /** hidden (B, T, C), mask (B, T) or null (no padding) → scores (B, N). */
    public Variable forward(Variable hidden, Tensor mask) {
        return score.forward(lastToken(hidden, mask));                            // (B, C) → (B, N)
    }

    /** The scalar reward of each sequence (B); needs N = 1. */
    public Variable reward(Variable hidden, Tensor mask) {
        if (numOutputs != 1) throw new IllegalStateException("a reward head has one output, this one has " + numOutputs);
        return forward(hidden, mask).squeeze(-1);                                 // (B)
    }

    /** hidden (B, T, C) at each row's last real token → (B, C); the gradient flows to those positions only. */
    public static Variable lastToken(Variable hidden, Tensor mask) {
        int b = hidden.size(0), t = hidden.size(1), c = hidden.size(2);
        int[] last = new int[b];
        if (mask == null) java.util.Arrays.fill(last, t - 1);
        else last = Masks.lastTokenIndex(Masks.read(mask, b, t), b, t);
        int[] index = new int[b * c];                                             // (B, 1, C): row r reads last[r]
        for (int r = 0; r < b; r++) java.util.Arrays.fill(index, r * c, (r + 1) * c, last[r]);
        Tensor idx = Tensor.ofInts(index, b, 1, c).to(hidden.value().device());
        return hidden.gather(1, idx).squeeze(1);                                  // (B, C)
    }
}
