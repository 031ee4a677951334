package rlhf4j.autograd.nn;

import rlhf4j.autograd.Parameter;
import rlhf4j.autograd.Variable;
import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.Device;

/** y = x Wᵀ + b for x (..., in); W is stored (out, in) like PyTorch, so checkpoints load without transposes. */
public final class Linear extends Module implements Layer {
    public final int inFeatures, outFeatures;
    public final Parameter weight;   // (out, in)
    public final Parameter bias;     // (out), or null

    /** PyTorch's default init: weight and bias U(−1/√in, 1/√in), from two streams of {@code seed}. */
    public Linear(int inFeatures, int outFeatures, boolean bias, long seed, Device device) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = registerParameter("weight",
                new Parameter(Init.linearDefault(CounterRng.bits(seed, 0), inFeatures, device, outFeatures, inFeatures)));
        this.bias = bias ? registerParameter("bias",
                new Parameter(Init.linearDefault(CounterRng.bits(seed, 1), inFeatures, device, outFeatures))) : null;
    }

    public Linear(int inFeatures, int outFeatures, boolean bias, long seed) { this(inFeatures, outFeatures, bias, seed, Device.CPU); }

    @Override public Variable forward(Variable x) {
        Variable y = x.matmul(weight.mT());                  // (..., in) @ (in, out) → (..., out)
        return bias != null ? y.add(bias) : y;
    }
}
