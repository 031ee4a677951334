package rlhf4j.autograd.nn;

import rlhf4j.autograd.Functional;
import rlhf4j.autograd.Parameter;
import rlhf4j.autograd.Variable;
import rlhf4j.tensor.Device;

/** RMSNorm over the last dim with a learned scale (init 1), as in Llama. */
public final class RMSNorm extends Module implements Layer {
    public final Parameter weight;   // (C)
    public final double eps;

    public RMSNorm(int dim, double eps, Device device) {
        this.eps = eps;
        this.weight = registerParameter("weight", new Parameter(Init.ones(device, dim)));
    }

    public RMSNorm(int dim) { this(dim, 1e-6, Device.CPU); }

    @Override public Variable forward(Variable x) { return Functional.rmsNorm(x, weight, eps); }
}
