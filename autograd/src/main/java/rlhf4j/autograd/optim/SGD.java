package rlhf4j.autograd.optim;

import java.util.Map;
import rlhf4j.autograd.Parameter;
import rlhf4j.tensor.Tensor;

/**
 * Stochastic gradient descent with optional momentum and (coupled, L2) weight decay, as torch.optim.SGD:
 * g = grad + wd·p;  buf = g on the first step, else μ·buf + g;  p −= lr·buf  (p −= lr·g without momentum).
 */
public final class SGD extends Optimizer {
    private final double momentum, weightDecay;

    public SGD(Map<String, Parameter> params, double lr, double momentum, double weightDecay) {
        super(params, lr);
        this.momentum = momentum;
        this.weightDecay = weightDecay;
    }

    public SGD(Map<String, Parameter> params, double lr) { this(params, lr, 0, 0); }

    @Override protected void update(String name, Parameter p, Tensor grad) {
        Tensor w = p.value();
        Tensor g = weightDecay != 0 ? grad.add(w.mul(weightDecay)) : grad;
        if (momentum != 0) {
            String key = "momentum." + name;
            boolean first = !hasState(key);
            Tensor buf = stateFor(key, p);
            if (first) buf.copyFrom(g);
            else buf.mulInPlace(momentum).addInPlace(g);
            g = buf;
        }
        w.addInPlace(g.mul(-lr));
    }
}
