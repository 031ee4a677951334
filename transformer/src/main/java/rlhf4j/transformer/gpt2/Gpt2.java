package rlhf4j.transformer.gpt2;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import rlhf4j.autograd.LinearCrossEntropy;
import rlhf4j.autograd.Variable;
import rlhf4j.autograd.nn.Dropout;
import rlhf4j.autograd.nn.Embedding;
import rlhf4j.autograd.nn.LayerNorm;
import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.io.Safetensors;
import rlhf4j.tensor.io.SafetensorsHeader;
import rlhf4j.transformer.KvCache;
import rlhf4j.transformer.ModuleList;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.io.ExpectedTensors;
import rlhf4j.transformer.io.FileFormatException;
import rlhf4j.transformer.io.Gpt2Config;

/**
 * GPT-2: token and learned position embeddings, {@code nLayer} pre-LayerNorm blocks, a final LayerNorm, and a
 * language-model head tied to the token embedding ({@code logits = h · wteᵀ}).
 *
 * <p>Parameter names and layouts are Hugging Face's {@code GPT2Model}: {@code wte.weight} (V, C),
 * {@code wpe.weight} (blockSize, C), {@code h.{i}.ln_1.weight}, {@code h.{i}.attn.c_attn.weight} (C, 3C) stored
 * [in, out], {@code h.{i}.attn.c_proj}, {@code h.{i}.mlp.c_fc}, {@code h.{i}.mlp.c_proj}, {@code ln_f}, so
 * {@link #fromPretrained} and {@link #save} exchange checkpoints with the Python ecosystem.
 */
public final class Gpt2 extends TransformerModel {
    public static final String CONFIG_FILE = "config.json", WEIGHTS_FILE = "model.safetensors";

    public final GptConfig config;
    public final Embedding wte;              // (V, C) token embedding, also the LM head
    public final Embedding wpe;              // (blockSize, C) position embedding
    public final ModuleList<Block> h;
    public final LayerNorm ln_f;
    private final Dropout drop;
    private final Device device;

    /** A randomly initialised model as GPT-2 initialises it (N(0, 0.02), residual projections /√(2·nLayer)). */
    @Override public double dropout() { return config.dropout(); }

    @Override public Gpt2 withDropout(double p) {
        GptConfig c = config;
        Gpt2 copy = new Gpt2(new GptConfig(c.nLayer(), c.nHead(), c.nEmbd(), c.blockSize(), c.vocabSize(), p), 0, device());
        copy.loadStateDict(stateDict(), true);
        return copy;
    }

    @Override public String describe() {
        return String.format(java.util.Locale.ROOT, "GPT-2 n_layer %d n_head %d n_embd %d block %d",
                config.nLayer(), config.nHead(), config.nEmbd(), config.blockSize());
    }

    public Gpt2(GptConfig config, long seed, Device device) {
        this.config = config;
        this.device = device;
        wte = registerModule("wte", new Embedding(config.vocabSize(), config.nEmbd(), 0.02, CounterRng.bits(seed, 0), device));
        wpe = registerModule("wpe", new Embedding(config.blockSize(), config.nEmbd(), 0.02, CounterRng.bits(seed, 1), device));
        drop = registerModule("drop", new Dropout(config.dropout(), CounterRng.bits(seed, 2)));
        h = registerModule("h", new ModuleList<>());
        for (int i = 0; i < config.nLayer(); i++) h.add(new Block(config, i, CounterRng.bits(seed, 100 + i), device));
        ln_f = registerModule("ln_f", new LayerNorm(config.nEmbd(), GptConfig.LAYER_NORM_EPS, true, device));
    }

    public Gpt2(GptConfig config, long seed) { this(config, seed, Device.CPU); }

    @Override public int width() { return config.nEmbd(); }
    @Override public int vocabSize() { return config.vocabSize(); }
    @Override public int contextLength() { return config.blockSize(); }
    @Override public int numLayers() { return config.nLayer(); }
    @Override public int numKvHeads() { return config.nHead(); }
    @Override public int headSize() { return config.headSize(); }
    @Override public Device device() { return device; }
    @Override public String toString() { return "GPT-2 " + config; }

    @Override public rlhf4j.transformer.infer.Decoder decoder() {
        return device.isCpu() ? Gpt2Decoding.of(this) : null;
    }

    @Override public Variable forward(Tensor ids, Tensor positions, Tensor keyBias, KvCache cache) {
        checkIds(ids);
        Variable x = wte.forward(ids).add(wpe.forward(positions));              // (B, T, C)
        x = drop.forward(x);
        for (Block block : h) x = block.forward(x, keyBias, cache);             // (B, T, C)
        if (cache != null) cache.advance(ids.size(1));
        return ln_f.forward(x);                                                  // (B, T, C)
    }

    @Override public Variable logits(Variable hidden) {
        return hidden.matmul(wte.weight.mT());                                   // (B, T, C) @ (C, V) → (B, T, V)
    }

    /** The tied head fused with the loss: the (B·T, V) logits and their gradient are never temporaries in full. */
    @Override public Variable lmLoss(Variable hidden, Tensor targets, int ignoreIndex) {
        return LinearCrossEntropy.loss(hidden, wte.weight, targets, ignoreIndex);          // ()
    }

    // ================================================================================================ checkpoints

    /**
     * Loads a Hugging Face GPT-2 directory: config.json and model.safetensors. Names may carry the
     * "transformer." prefix of GPT2LMHeadModel; lm_head.weight (tied) and the attention-mask buffers
     * ({@code attn.bias}, {@code attn.masked_bias}) of older files are skipped. The config is checked against the
     * safetensors header (tensor count, names, shapes, dtypes) before the model or any tensor is allocated.
     */
    public static Gpt2 fromPretrained(Path dir, Device device) throws IOException {
        Path weights = dir.resolve(WEIGHTS_FILE), configFile = dir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(weights)) throw new FileFormatException(dir, "no " + WEIGHTS_FILE + " in this directory");
        Gpt2Config hf = Gpt2Config.read(configFile);
        GptConfig config = GptConfig.from(hf);
        String described = configFile + " (" + hf.describe() + ")";
        Map<String, SafetensorsHeader.Entry> entries = new LinkedHashMap<>();
        for (SafetensorsHeader.Entry e : SafetensorsHeader.read(weights).tensors()) {
            String name = modelName(e.name());
            if (name != null && entries.put(name, e) != null)
                throw new FileFormatException(weights, "holds tensor " + name + " both with and without the transformer. prefix");
        }
        ExpectedTensors.checkPlausibleCount(weights, entries.size(), tensorCount(config), described);
        ExpectedTensors.checkHeader(weights, entries, parameterShapes(config), described);
        Gpt2 model = new Gpt2(config, 0, device);
        try (MemoryScope load = MemoryScope.open()) {                           // the file's tensors die after copying
            Map<String, Tensor> state = new LinkedHashMap<>();
            var read = Safetensors.read(weights, Device.CPU, name -> modelName(name) != null).tensors();
            read.forEach((name, t) -> state.put(modelName(name), t));
            ExpectedTensors.checkTensors(weights, state, parameterShapes(config), described);
            ExpectedTensors.warnNonFinite(weights, state);
            model.loadWeights(weights, state);
        }
        return model;
    }

    public static Gpt2 fromPretrained(Path dir) throws IOException { return fromPretrained(dir, Device.CPU); }

    /** A file's tensor name as this model names it, or null for the tensors that loading skips. */
    private static String modelName(String fileName) {
        String name = fileName.startsWith("transformer.") ? fileName.substring("transformer.".length()) : fileName;
        boolean skipped = name.equals("lm_head.weight") || name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias");
        return skipped ? null : name;
    }

    /** How many parameter tensors a model of this config has: 12 per block, plus wte, wpe and ln_f's two. */
    public static long tensorCount(GptConfig c) { return 12L * c.nLayer() + 4; }

    /** The name and shape of every parameter of a model of this config (Conv1D weights are [in, out]). */
    public static Map<String, int[]> parameterShapes(GptConfig c) {
        int e = c.nEmbd();
        Map<String, int[]> s = new LinkedHashMap<>();
        s.put("wte.weight", new int[]{c.vocabSize(), e});
        s.put("wpe.weight", new int[]{c.blockSize(), e});
        for (int i = 0; i < c.nLayer(); i++) {
            String h = "h." + i + ".";
            s.put(h + "ln_1.weight", new int[]{e});
            s.put(h + "ln_1.bias", new int[]{e});
            s.put(h + "attn.c_attn.weight", new int[]{e, 3 * e});
            s.put(h + "attn.c_attn.bias", new int[]{3 * e});
            s.put(h + "attn.c_proj.weight", new int[]{e, e});
            s.put(h + "attn.c_proj.bias", new int[]{e});
            s.put(h + "ln_2.weight", new int[]{e});
            s.put(h + "ln_2.bias", new int[]{e});
            s.put(h + "mlp.c_fc.weight", new int[]{e, 4 * e});
            s.put(h + "mlp.c_fc.bias", new int[]{4 * e});
            s.put(h + "mlp.c_proj.weight", new int[]{4 * e, e});
            s.put(h + "mlp.c_proj.bias", new int[]{e});
        }
        s.put("ln_f.weight", new int[]{e});
        s.put("ln_f.bias", new int[]{e});
        return s;
    }

    /** Writes config.json and model.safetensors (metadata format "pt") so that transformers' from_pretrained reads them. */
    @Override public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        config.toHf().write(dir.resolve(CONFIG_FILE));
        Safetensors.write(dir.resolve(WEIGHTS_FILE), stateDict(), Map.of("format", "pt"));
    }
}
