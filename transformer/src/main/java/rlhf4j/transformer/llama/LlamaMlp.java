package rlhf4j.transformer.llama;

import rlhf4j.autograd.Variable;
import rlhf4j.autograd.nn.Linear;
import rlhf4j.autograd.nn.Module;
import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.io.LlamaConfig;

/** SwiGLU feed-forward: down(silu(gate(x)) · up(x)), hidden width {@code hiddenDim}. */
public final class LlamaMlp extends Module {
    public final Linear gate_proj, up_proj, down_proj;

    LlamaMlp(LlamaConfig c, long seed, Device device) {
        gate_proj = registerModule("gate_proj", Llama.linear(c.dim(), c.hiddenDim(), 0.02, CounterRng.bits(seed, 0), device));
        up_proj = registerModule("up_proj", Llama.linear(c.dim(), c.hiddenDim(), 0.02, CounterRng.bits(seed, 1), device));
        down_proj = registerModule("down_proj", Llama.linear(c.hiddenDim(), c.dim(), 0.02 / Math.sqrt(2.0 * c.nLayers()),
                CounterRng.bits(seed, 2), device));
    }

    /** x (B, T, C) → (B, T, C). */
    Variable forward(Variable x) {
        Variable gated = gate_proj.forward(x).silu().mul(up_proj.forward(x));                // (B, T, H)
        return down_proj.forward(gated);                                                      // (B, T, C)
    }
}
