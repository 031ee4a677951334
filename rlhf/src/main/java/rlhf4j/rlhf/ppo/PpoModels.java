package rlhf4j.rlhf.ppo;

import java.util.LinkedHashMap;
import java.util.Map;
import rlhf4j.autograd.Parameter;
import rlhf4j.tensor.DType;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.Tensor;
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
     * The usual set-up: policy = trunk + LM head + a fresh value head starting at V ≡ 0 ({@link #zeroValueHead}); the
     * reference a second copy of the same checkpoint (loaded separately so that training never touches it).
     */
    public static PpoModels withValueHead(TransformerModel trunk, TransformerModel referenceCopy) {
        return new PpoModels(new HeadedModel(trunk, true, zeroValueHead(trunk.width(), trunk.device()), null), null, referenceCopy);
    }

    /**
     * A value head whose weight and bias are zero, so V ≡ 0 until it learns (as in Ziegler et al.'s code). A randomly
     * initialised head's values are noise larger than the scores, and GAE passes that noise into every advantage
     * (δ_t = r_t + γV_{t+1} − V_t) until the critic has caught up.
     */
    public static ValueHead zeroValueHead(int width, Device device) {
        ValueHead head = new ValueHead(width, 0, device);
        head.summary.weight.set(Tensor.zeros(DType.F32, device, 1, width));
        head.summary.bias.set(Tensor.zeros(DType.F32, device, 1));
        return head;
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
