package rlhf4j.transformer.gpt2;

import rlhf4j.autograd.Variable;
import rlhf4j.autograd.nn.Dropout;
import rlhf4j.autograd.nn.Module;
import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.Device;

/** The feed-forward block: C → 4C, GELU (tanh approximation), 4C → C. */
public final class Mlp extends Module {
    public final Conv1D c_fc;            // C → 4C
    public final Conv1D c_proj;          // 4C → C, a residual projection
    private final Dropout dropout;

    Mlp(GptConfig c, long seed, Device device) {
        c_fc = registerModule("c_fc", new Conv1D(c.nEmbd(), 4 * c.nEmbd(), 0.02, CounterRng.bits(seed, 0), device));
        c_proj = registerModule("c_proj", new Conv1D(4 * c.nEmbd(), c.nEmbd(), 0.02 / Math.sqrt(2.0 * c.nLayer()),
                CounterRng.bits(seed, 1), device));
        dropout = registerModule("dropout", new Dropout(c.dropout(), CounterRng.bits(seed, 2)));
    }

    /** x (B, T, C) → (B, T, C). */
    Variable forward(Variable x) {
        Variable h = c_fc.forward(x).gelu();                                     // (B, T, 4C)
        return dropout.forward(c_proj.forward(h));                               // (B, T, C)
    }
}
