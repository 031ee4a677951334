package rlhf4j.transformer.gpt2;

import rlhf4j.autograd.QkvAttention;
import rlhf4j.autograd.Variable;
import rlhf4j.autograd.nn.Dropout;
import rlhf4j.autograd.nn.Module;
import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.Tensor;
import rlhf4j.transformer.Attention;
import rlhf4j.transformer.KvCache;

/** Multi-head causal self-attention: one fused projection to q, k, v, attention, an output projection. */
public final class CausalSelfAttention extends Module {
    private final int nHead, headSize;
    public final Conv1D c_attn;          // C → 3C: q, k, v side by side
    public final Conv1D c_proj;          // C → C, a residual projection
    private final Dropout attnDropout, residDropout;

    CausalSelfAttention(GptConfig c, long seed, Device device) {
        nHead = c.nHead();
        headSize = c.headSize();
        double residStd = 0.02 / Math.sqrt(2.0 * c.nLayer());   // GPT-2: residual branches shrink with depth
        c_attn = registerModule("c_attn", new Conv1D(c.nEmbd(), 3 * c.nEmbd(), 0.02, CounterRng.bits(seed, 0), device));
        c_proj = registerModule("c_proj", new Conv1D(c.nEmbd(), c.nEmbd(), residStd, CounterRng.bits(seed, 1), device));
        attnDropout = registerModule("attn_dropout", new Dropout(c.dropout(), CounterRng.bits(seed, 2)));
        residDropout = registerModule("resid_dropout", new Dropout(c.dropout(), CounterRng.bits(seed, 3)));
    }

    /** x (B, T, C) → (B, T, C); see {@link Gpt2#forward} for keyBias and cache. */
    Variable forward(Variable x, Tensor keyBias, KvCache cache, int layer) {
        int b = x.size(0), t = x.size(1);
        if (cache == null && attnDropout.p == 0)                                  // a whole sequence: one fused op
            return residDropout.forward(c_proj.forward(QkvAttention.apply(c_attn.forward(x), nHead, keyBias)));
        Variable[] qkv = c_attn.forward(x).chunk(3, 2);                          // 3 × (B, T, C), views
        Variable q = qkv[0].view(b, t, nHead, headSize).transpose(1, 2);         // (B, nh, T, hs)
        Variable k = qkv[1].view(b, t, nHead, headSize).transpose(1, 2);         // (B, nh, T, hs)
        Variable v = qkv[2].view(b, t, nHead, headSize).transpose(1, 2);         // (B, nh, T, hs)
        if (cache != null) {
            Variable[] kv = cache.append(layer, k, v);                           // 2 × (B, nh, S, hs)
            k = kv[0];
            v = kv[1];
        }
        Variable y = Attention.causalSelfAttention(q, k, v, keyBias, attnDropout.p > 0 ? attnDropout : null); // (B, T, C)
        return residDropout.forward(c_proj.forward(y));                          // (B, T, C)
    }
}
