package rlhf4j.transformer.io;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import rlhf4j.tensor.Tensor;

/**
 * A Llama model's weights under Hugging Face names, every matrix stored {@code [out, in]} like a PyTorch Linear
 * ({@code y = W x}, W of shape (out, in)):
 *
 * <pre>
 * model.embed_tokens.weight                          (vocab, dim)       row t = embedding of token t
 * model.layers.{i}.input_layernorm.weight            (dim)              RMSNorm before attention
 * model.layers.{i}.self_attn.q_proj.weight           (dim, dim)         out = nHeads · headSize
 * model.layers.{i}.self_attn.k_proj.weight           (kvDim, dim)       out = nKvHeads · headSize
 * model.layers.{i}.self_attn.v_proj.weight           (kvDim, dim)
 * model.layers.{i}.self_attn.o_proj.weight           (dim, dim)
 * model.layers.{i}.post_attention_layernorm.weight   (dim)              RMSNorm before the MLP
 * model.layers.{i}.mlp.gate_proj.weight              (hidden, dim)      llama2.c w1, goes through SiLU
 * model.layers.{i}.mlp.up_proj.weight                (hidden, dim)      llama2.c w3
 * model.layers.{i}.mlp.down_proj.weight              (dim, hidden)      llama2.c w2
 * model.norm.weight                                  (dim)              final RMSNorm
 * lm_head.weight                                     (vocab, dim)       the same Tensor as embed_tokens when shared
 * </pre>
 *
 * The rows of q_proj and k_proj are in the rotary layout {@code config.ropeLayout()}; see {@link RopeLayout}.
 */
public record LlamaCheckpoint(LlamaConfig config, Map<String, Tensor> tensors) {
    public static final String EMBED = "model.embed_tokens.weight";
    public static final String NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";
    public static final String INPUT_NORM = "input_layernorm.weight";
    public static final String Q = "self_attn.q_proj.weight";
    public static final String K = "self_attn.k_proj.weight";
    public static final String V = "self_attn.v_proj.weight";
    public static final String O = "self_attn.o_proj.weight";
    public static final String POST_NORM = "post_attention_layernorm.weight";
    public static final String GATE = "mlp.gate_proj.weight";
    public static final String UP = "mlp.up_proj.weight";
    public static final String DOWN = "mlp.down_proj.weight";

    public LlamaCheckpoint {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }

    /**
     * The name and shape of every tensor a model of this config holds, in llama2.c's order within a layer;
     * lm_head.weight only when the classifier is not shared. (9 per layer, plus 2 or 3.)
     */
    public static Map<String, int[]> shapes(LlamaConfig c) {
        int d = c.dim(), h = c.hiddenDim(), kv = c.kvDim(), v = c.vocabSize();
        Map<String, int[]> s = new LinkedHashMap<>();
        s.put(EMBED, new int[]{v, d});
        for (int i = 0; i < c.nLayers(); i++) {
            s.put(layer(i, INPUT_NORM), new int[]{d});
            s.put(layer(i, Q), new int[]{d, d});
            s.put(layer(i, K), new int[]{kv, d});
            s.put(layer(i, V), new int[]{kv, d});
            s.put(layer(i, O), new int[]{d, d});
            s.put(layer(i, POST_NORM), new int[]{d});
            s.put(layer(i, GATE), new int[]{h, d});
            s.put(layer(i, DOWN), new int[]{d, h});
            s.put(layer(i, UP), new int[]{h, d});
        }
        s.put(NORM, new int[]{d});
        if (!c.sharedClassifier()) s.put(LM_HEAD, new int[]{v, d});
        return s;
    }

    /** How many tensors {@link #shapes} lists, computed without building it. */
    public static long tensorCount(LlamaConfig c) { return 9L * c.nLayers() + (c.sharedClassifier() ? 2 : 3); }

    /** The name of a per-layer tensor, e.g. {@code layer(3, Q)} = "model.layers.3.self_attn.q_proj.weight". */
    public static String layer(int i, String suffix) { return "model.layers." + i + "." + suffix; }

    /** The tensor of this name; throws naming the missing one. */
    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new IllegalArgumentException("checkpoint has no tensor " + name);
        return t;
    }

    /**
     * The same model with q_proj/k_proj rows permuted to another rotary layout (new tensors for those; the others
     * are shared). Interleaved → half-split moves, within each head, row 2j to row j and row 2j+1 to row
     * headSize/2 + j: exactly Hugging Face's {@code permute} in its Llama conversion script.
     */
    public LlamaCheckpoint withRopeLayout(RopeLayout target) {
        if (target == config.ropeLayout()) return this;
        Map<String, Tensor> out = new LinkedHashMap<>(tensors);
        for (int i = 0; i < config.nLayers(); i++) {
            out.put(layer(i, Q), permuteRows(get(layer(i, Q)), config.nHeads(), target));
            out.put(layer(i, K), permuteRows(get(layer(i, K)), config.nKvHeads(), target));
        }
        return new LlamaCheckpoint(config.withRopeLayout(target), out);
    }

    private Tensor permuteRows(Tensor w, int heads, RopeLayout target) {
        int hs = config.headSize(), in = w.size(1);
        Tensor split = target == RopeLayout.HALF_SPLIT
                ? w.reshape(heads, hs / 2, 2, in)    // (head, pair j, member t, in): row = 2j + t
                : w.reshape(heads, 2, hs / 2, in);  // (head, half t, pair j, in): row = t·hs/2 + j
        return split.transpose(1, 2).reshape(heads * hs, in);
    }
}
