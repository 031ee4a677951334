package rlhf4j.transformer.llama;

import rlhf4j.autograd.Variable;
import rlhf4j.autograd.nn.Module;
import rlhf4j.autograd.nn.RMSNorm;
import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.Tensor;
import rlhf4j.transformer.KvCache;
import rlhf4j.transformer.io.LlamaConfig;

/** A decoder layer: x + attn(rmsnorm(x)), then x + mlp(rmsnorm(x)). */
public final class LlamaBlock extends Module {
    public final RMSNorm input_layernorm, post_attention_layernorm;
    public final LlamaAttention self_attn;
    public final LlamaMlp mlp;
    private final int layer;

    LlamaBlock(LlamaConfig c, int layer, long seed, Device device) {
        this.layer = layer;
        input_layernorm = registerModule("input_layernorm", new RMSNorm(c.dim(), c.normEps(), device));
        self_attn = registerModule("self_attn", new LlamaAttention(c, CounterRng.bits(seed, 0), device));
        post_attention_layernorm = registerModule("post_attention_layernorm", new RMSNorm(c.dim(), c.normEps(), device));
        mlp = registerModule("mlp", new LlamaMlp(c, CounterRng.bits(seed, 1), device));
    }

    /** x (B, T, C) → (B, T, C). */
    Variable forward(Variable x, Rotary rotary, Rotary.Tables rope, Tensor keyBias, KvCache cache) {
        x = x.add(self_attn.forward(input_layernorm.forward(x), rotary, rope, keyBias, cache, layer));   // (B, T, C)
        return x.add(mlp.forward(post_attention_layernorm.forward(x)));                                  // (B, T, C)
    }
}
