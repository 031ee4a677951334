package rlhf4j.rlhf.ppo;

import java.util.LinkedHashMap;
import java.util.Map;
import rlhf4j.autograd.Parameter;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.heads.HeadedModel;
import rlhf4j.transformer.heads.ValueHead;

/**
 * The three networks of PPO for language models.
 *
 * @param policy     the trained actor: trunk + LM head, and the value head unless valueModel is given
 * @param valueModel a separate critic (trunk + value head, e.g. initialised from the reward model's trunk), or null
 * @param reference  the frozen starting policy the KL penalty measures against: never trained, eval mode, no grads
 */
public record PpoModels(HeadedModel policy, HeadedModel valueModel, TransformerModel reference) {

    public PpoModels {
        if (policy.valueHead == null && valueModel == null)
            throw new IllegalArgumentException("PPO needs a value head on the policy or a separate value model");
        if (valueModel != null && valueModel.valueHead == null)
            throw new IllegalArgumentException("the separate value model has no value head");
        if (policy.trunk.vocabSize() != reference.vocabSize())
            throw new IllegalArgumentException("policy vocabulary " + policy.trunk.vocabSize() + " differs from the reference's "
                    + reference.vocabSize());
        policy.eval();               // no dropout: rollout and learner log-probs must come from the same function
        if (valueModel != null) valueModel.eval();
        reference.eval();
    }

    /**
     * The usual set-up: policy = trunk + LM head + a fresh value head; the reference a second copy of the same
     * checkpoint (loaded separately so that training never touches it).
     */
    public static PpoModels withValueHead(TransformerModel trunk, TransformerModel referenceCopy, long seed) {
        ValueHead head = new ValueHead(trunk.width(), seed, trunk.device());
        return new PpoModels(new HeadedModel(trunk, true, head, null), null, referenceCopy);
    }

    /** The critic's model: the separate one, or the policy itself. */
    public HeadedModel critic() { return valueModel != null ? valueModel : policy; }

    /** Every trained parameter, named "policy.…" and "value.…" (the optimizer's keys). */
    public Map<String, Parameter> trainedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        policy.namedParameters().forEach((k, v) -> out.put("policy." + k, v));
        if (valueModel != null) valueModel.namedParameters().forEach((k, v) -> out.put("value." + k, v));
        return out;
    }
}
