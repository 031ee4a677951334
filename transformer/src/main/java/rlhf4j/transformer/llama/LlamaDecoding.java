package rlhf4j.transformer.llama;

import java.util.ArrayList;
import java.util.List;
import rlhf4j.autograd.nn.Linear;
import rlhf4j.transformer.infer.CacheAttention;
import rlhf4j.transformer.infer.DecodeLinear;
import rlhf4j.transformer.infer.DecodeNorm;
import rlhf4j.transformer.infer.Decoder;
import rlhf4j.transformer.infer.QkvRope;
import rlhf4j.transformer.infer.RopeTable;
import rlhf4j.transformer.infer.SwiGluMlp;
import rlhf4j.transformer.io.LlamaConfig;

/** A {@link Decoder} holding a copy of a Llama's current weights: q, k, v side by side, gate and up side by side. */
final class LlamaDecoding {
    private LlamaDecoding() {}

    static Decoder of(Llama m) {
        LlamaConfig c = m.config;
        int hs = c.headSize();
        RopeTable rope = new RopeTable(hs, c.seqLen(), c.ropeTheta(), c.ropeLayout());
        List<Decoder.Layer> layers = new ArrayList<>();
        for (LlamaBlock b : m.model.layers) {
            LlamaAttention a = b.self_attn;
            DecodeLinear qkv = stacked(c.dim(), a.q_proj, a.k_proj, a.v_proj);
            DecodeLinear gateUp = stacked(c.dim(), b.mlp.gate_proj, b.mlp.up_proj);
            layers.add(new Decoder.Layer(norm(b.input_layernorm.weight.value().toFloatArray(), c),
                    new QkvRope(qkv, rope, c.nHeads(), c.nKvHeads(), hs), outIn(a.o_proj),
                    norm(b.post_attention_layernorm.weight.value().toFloatArray(), c),
                    new SwiGluMlp(gateUp, outIn(b.mlp.down_proj))));
        }
        float[] embedding = m.model.embed_tokens.weight.value().toFloatArray();
        float[] head = m.lm_head != null ? m.lm_head.weight.value().toFloatArray() : embedding;
        return new Decoder(new Decoder.Embeddings(embedding, null, c.dim()), layers,
                norm(m.model.norm.weight.value().toFloatArray(), c), DecodeLinear.ofOutIn(head, c.vocabSize(), c.dim(), null),
                new CacheAttention(c.nHeads(), c.nKvHeads(), hs), c.seqLen());
    }

    private static DecodeNorm norm(float[] w, LlamaConfig c) { return DecodeNorm.rms(w, c.normEps()); }

    private static DecodeLinear outIn(Linear l) {
        return DecodeLinear.ofOutIn(l.weight.value().toFloatArray(), l.outFeatures, l.inFeatures, null);
    }

    /** Linears over the same input, their outputs side by side: one (in, Σ out) map. */
    private static DecodeLinear stacked(int in, Linear... parts) {
        int total = 0;
        for (Linear l : parts) total += l.outFeatures;
        float[] rows = new float[total * in];
        int at = 0;
        for (Linear l : parts) {
            float[] w = l.weight.value().toFloatArray();             // (out, in)
            System.arraycopy(w, 0, rows, at, w.length);
            at += w.length;
        }
        return DecodeLinear.ofOutIn(rows, total, in, null);
    }
}
