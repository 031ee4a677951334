package rlhf4j.transformer.llama;

import rlhf4j.autograd.Variable;
import rlhf4j.autograd.nn.Linear;
import rlhf4j.autograd.nn.Module;
import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.Tensor;
import rlhf4j.transformer.Attention;
import rlhf4j.transformer.KvCache;
import rlhf4j.transformer.io.LlamaConfig;

/** Grouped-query attention with rotary embeddings and no biases (Hugging Face's LlamaAttention names). */
public final class LlamaAttention extends Module {
    private final int nHeads, nKvHeads, headSize;
    public final Linear q_proj, k_proj, v_proj, o_proj;   // weights (out, in)

    LlamaAttention(LlamaConfig c, long seed, Device device) {
        nHeads = c.nHeads();
        nKvHeads = c.nKvHeads();
        headSize = c.headSize();
        q_proj = registerModule("q_proj", Llama.linear(c.dim(), c.dim(), 0.02, CounterRng.bits(seed, 0), device));
        k_proj = registerModule("k_proj", Llama.linear(c.dim(), c.kvDim(), 0.02, CounterRng.bits(seed, 1), device));
        v_proj = registerModule("v_proj", Llama.linear(c.dim(), c.kvDim(), 0.02, CounterRng.bits(seed, 2), device));
        o_proj = registerModule("o_proj", Llama.linear(c.dim(), c.dim(), 0.02 / Math.sqrt(2.0 * c.nLayers()),
                CounterRng.bits(seed, 3), device));
    }

    /** x (B, T, C) → (B, T, C); rope holds the rotary tables of these tokens' positions. */
    Variable forward(Variable x, Rotary rotary, Rotary.Tables rope, Tensor keyBias, KvCache cache, int layer) {
        int b = x.size(0), t = x.size(1);
        Variable q = rotary.apply(headMajor(q_proj.forward(x), nHeads), rope.queries());     // (B, nh, T, hs)
        Variable k = rotary.apply(headMajor(k_proj.forward(x), nKvHeads), rope.keys());     // (B, nkv, T, hs)
        Variable v = v_proj.forward(x).view(b, t, nKvHeads, headSize).transpose(1, 2);      // (B, nkv, T, hs)
        if (cache != null) {
            Variable[] kv = cache.append(layer, k, v);                                       // 2 × (B, nkv, S, hs)
            k = kv[0];
            v = kv[1];
        }
        return o_proj.forward(Attention.causalSelfAttention(q, k, v, keyBias, null));        // (B, T, C)
    }

    /**
     * A projection (B, T, heads·hs) laid out head by head, (B, heads, T, hs) and dense, before the rotation: the
     * rotation's products and their gradients then run over dense rows (the gradient arrives in this layout), and
     * attention reads the queries as they are.
     */
    private Variable headMajor(Variable projected, int heads) {
        int b = projected.size(0), t = projected.size(1);
        return projected.view(b, t, heads, headSize).transpose(1, 2).contiguous();          // (B, heads, T, hs)
    }
}
