package rlhf4j.transformer.heads;

import rlhf4j.autograd.Variable;
import rlhf4j.autograd.nn.Module;
import rlhf4j.tensor.Tensor;
import rlhf4j.transformer.TransformerModel;

/**
 * A trunk with the heads RLHF puts on it, sharing one forward pass: the trunk's own LM head, and optionally a
 * value head (PPO's critic) and a sequence head (reward or classification). Parameters are named
 * {@code trunk.*}, {@code value_head.*}, {@code sequence_head.*}.
 *
 * <pre>{@code
 * HeadedModel.Outputs o = policy.forward(ids, mask);   // one trunk pass
 * o.logits();   // (B, T, V)      o.values();   // (B, T)
 * }</pre>
 */
public final class HeadedModel extends Module {
    public final TransformerModel trunk;
    public final ValueHead valueHead;          // or null
    public final SequenceHead sequenceHead;    // or null
    private final boolean lmHead;

    /** Outputs of the heads present (the others are null). */
    public record Outputs(Variable hidden, Variable logits, Variable values, Variable scores) {}

    public HeadedModel(TransformerModel trunk, boolean lmHead, ValueHead valueHead, SequenceHead sequenceHead) {
        this.trunk = registerModule("trunk", trunk);
        this.lmHead = lmHead;
        this.valueHead = valueHead == null ? null : registerModule("value_head", valueHead);
        this.sequenceHead = sequenceHead == null ? null : registerModule("sequence_head", sequenceHead);
    }

    /** ids (B, T), mask (B, T) or null. */
    public Outputs forward(Tensor ids, Tensor mask) {
        return forward(ids, mask, 0, ids.size(1));
    }

    /**
     * As {@link #forward(Tensor, Tensor)}, with the LM head applied only to columns [from, from + n): logits
     * (B, n, V), the other heads as there. The LM head is the widest layer; columns nobody reads cost it for nothing.
     */
    public Outputs forward(Tensor ids, Tensor mask, int from, int n) {
        Variable h = trunk.hidden(ids, mask);                                     // (B, T, C)
        Variable logits = !lmHead ? null : trunk.logits(n == h.size(1) ? h : h.narrow(1, from, n));   // (B, n, V)
        return new Outputs(h, logits, valueHead == null ? null : valueHead.forward(h),
                sequenceHead == null ? null : sequenceHead.forward(h, mask));
    }
}
