package rlhf4j.transformer.heads;

import rlhf4j.autograd.Variable;
import rlhf4j.autograd.nn.Linear;
import rlhf4j.autograd.nn.Module;
import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.Device;

/** A scalar value per token (PPO's critic): hidden (B, T, C) → (B, T), a Linear C → 1. */
public final class ValueHead extends Module {
    public final Linear summary;    // weight (1, C), bias (1)

    public ValueHead(int width, long seed, Device device) {
        summary = registerModule("summary", new Linear(width, 1, true, CounterRng.bits(seed, 0), device));
    }

    /** hidden (B, T, C) → values (B, T). */
    public Variable forward(Variable hidden) {
        return summary.forward(hidden).squeeze(-1);                               // (B, T, 1) → (B, T)
    }
}
