package rlhf4j.transformer.gpt2;

import rlhf4j.autograd.Parameter;
import rlhf4j.autograd.Variable;
import rlhf4j.autograd.nn.Init;
import rlhf4j.autograd.nn.Module;
import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.Device;

/**
 * GPT-2's linear layer: y = x W + b with W stored (in, out) — transposed with respect to a PyTorch Linear — as
 * OpenAI's TensorFlow code and Hugging Face's {@code Conv1D} keep it, so checkpoints load without transposes.
 */
public final class Conv1D extends Module {
    public final Parameter weight;   // (in, out)
    public final Parameter bias;     // (out)

    /** Weight N(0, std²), bias 0. */
    public Conv1D(int in, int out, double std, long seed, Device device) {
        this.weight = registerParameter("weight", new Parameter(Init.normal(CounterRng.bits(seed, 0), std, device, in, out)));
        this.bias = registerParameter("bias", new Parameter(Init.zeros(device, out)));
    }

    /** x (..., in) → (..., out). */
    public Variable forward(Variable x) { return x.matmul(weight).add(bias); }
}
