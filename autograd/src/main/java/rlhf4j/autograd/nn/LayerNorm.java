package rlhf4j.autograd.nn;

import rlhf4j.autograd.Functional;
import rlhf4j.autograd.Parameter;
import rlhf4j.autograd.Variable;
import rlhf4j.tensor.Device;

/** LayerNorm over the last dim with a learned scale (init 1) and optional shift (init 0). */
public final class LayerNorm extends Module implements Layer {
    public final Parameter weight;   // (C)
    public final Parameter bias;     // (C), or null
    public final double eps;

    public LayerNorm(int dim, double eps, boolean bias, Device device) {
        this.eps = eps;
        this.weight = registerParameter("weight", new Parameter(Init.ones(device, dim)));
        this.bias = bias ? registerParameter("bias", new Parameter(Init.zeros(device, dim))) : null;
    }

    public LayerNorm(int dim) { this(dim, 1e-5, true, Device.CPU); }

    @Override public Variable forward(Variable x) { return Functional.layerNorm(x, weight, bias, eps); }
}
