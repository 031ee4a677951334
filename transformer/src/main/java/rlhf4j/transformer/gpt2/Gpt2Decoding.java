package rlhf4j.transformer.gpt2;

import java.util.ArrayList;
import java.util.List;
import rlhf4j.autograd.nn.LayerNorm;
import rlhf4j.transformer.infer.CacheAttention;
import rlhf4j.transformer.infer.DecodeLinear;
import rlhf4j.transformer.infer.DecodeNorm;
import rlhf4j.transformer.infer.Decoder;
import rlhf4j.transformer.infer.GeluMlp;
import rlhf4j.transformer.infer.QkvRope;

/** A {@link Decoder} holding a copy of a GPT-2's current weights (Conv1D weights are already (in, out)). */
final class Gpt2Decoding {
    private Gpt2Decoding() {}

    static Decoder of(Gpt2 m) {
        GptConfig c = m.config;
        List<Decoder.Layer> layers = new ArrayList<>();
        for (Block b : m.h)
            layers.add(new Decoder.Layer(norm(b.ln_1), new QkvRope(linear(b.attn.c_attn), null, c.nHead(), c.nHead(), c.headSize()),
                    linear(b.attn.c_proj), norm(b.ln_2), new GeluMlp(linear(b.mlp.c_fc), linear(b.mlp.c_proj))));
        float[] wte = m.wte.weight.value().toFloatArray();
        return new Decoder(new Decoder.Embeddings(wte, m.wpe.weight.value().toFloatArray(), c.nEmbd()), layers, norm(m.ln_f),
                DecodeLinear.ofOutIn(wte, c.vocabSize(), c.nEmbd(), null), new CacheAttention(c.nHead(), c.nHead(), c.headSize()),
                c.blockSize());
    }

    private static DecodeLinear linear(Conv1D l) {
        int[] s = l.weight.value().shape();                                    // (in, out)
        return new DecodeLinear(l.weight.value().toFloatArray(), s[0], s[1], l.bias.value().toFloatArray());
    }

    private static DecodeNorm norm(LayerNorm n) {
        return DecodeNorm.layer(n.weight.value().toFloatArray(), n.bias.value().toFloatArray(), n.eps);
    }
}
