package rlhf4j.transformer.gpt2;

import rlhf4j.autograd.Variable;
import rlhf4j.autograd.nn.LayerNorm;
import rlhf4j.autograd.nn.Module;
import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.Tensor;
import rlhf4j.transformer.KvCache;

/** A pre-LayerNorm transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)). */
public final class Block extends Module {
    public final LayerNorm ln_1, ln_2;
    public final CausalSelfAttention attn;
    public final Mlp mlp;
    private final int layer;

    Block(GptConfig c, int layer, long seed, Device device) {
        this.layer = layer;
        ln_1 = registerModule("ln_1", new LayerNorm(c.nEmbd(), GptConfig.LAYER_NORM_EPS, true, device));
        attn = registerModule("attn", new CausalSelfAttention(c, CounterRng.bits(seed, 0), device));
        ln_2 = registerModule("ln_2", new LayerNorm(c.nEmbd(), GptConfig.LAYER_NORM_EPS, true, device));
        mlp = registerModule("mlp", new Mlp(c, CounterRng.bits(seed, 1), device));
    }

    /** x (B, T, C) → (B, T, C). */
    Variable forward(Variable x, Tensor keyBias, KvCache cache) {
        x = x.add(attn.forward(ln_1.forward(x), keyBias, cache, layer));          // (B, T, C)
        return x.add(mlp.forward(ln_2.forward(x)));                              // (B, T, C)
    }
}
