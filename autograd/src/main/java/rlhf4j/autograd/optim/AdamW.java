package rlhf4j.autograd.optim;

import java.util.Map;
import java.util.function.Predicate;
import rlhf4j.autograd.Parameter;
import rlhf4j.tensor.Tensor;

/**
 * Adam with decoupled weight decay (Loshchilov &amp; Hutter), one fused backend kernel per parameter:
 * m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;  p −= lr·(m̂/(√v̂ + eps) + wd·p),  m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ).
 */
public final class AdamW extends Optimizer {
    private final double beta1, beta2, eps, weightDecay;
    private Predicate<String> decays = name -> true;

    public AdamW(Map<String, Parameter> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        super(params, lr);
        if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1)
            throw new IllegalArgumentException("AdamW betas must be in [0, 1), got " + beta1 + ", " + beta2);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
    public AdamW(Map<String, Parameter> params, double lr) { this(params, lr, 0.9, 0.999, 1e-8, 0.01); }

    /**
     * Restricts weight decay to the parameters whose names pass the test (GPT-2 training decays only matrices,
     * not biases or norm scales). Returns this.
     */
    public AdamW decayOnly(Predicate<String> names) {
        this.decays = names;
        return this;
    }

    @Override protected void update(String name, Parameter p, Tensor grad) {
        Tensor m = stateFor("m." + name, p);
        Tensor v = stateFor("v." + name, p);
        double wd = decays.test(name) ? weightDecay : 0;
        p.value().backend().adamW(p.value(), grad.contiguous(), m, v, (float) lr, (float) beta1, (float) beta2,
                (float) eps, (float) wd, step);
    }
}
