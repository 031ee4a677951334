package rlhf4j.transformer.llama;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import rlhf4j.autograd.Variable;
import rlhf4j.autograd.nn.Embedding;
import rlhf4j.autograd.nn.Init;
import rlhf4j.autograd.nn.Linear;
import rlhf4j.autograd.nn.Module;
import rlhf4j.autograd.nn.RMSNorm;
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
import rlhf4j.transformer.io.LlamaCheckpoint;
import rlhf4j.transformer.io.LlamaConfig;
import rlhf4j.transformer.io.Llama2cCheckpoints;
import rlhf4j.transformer.io.RopeLayout;

/**
 * Llama: token embedding, decoder layers with RMSNorm, rotary embeddings in the config's layout, grouped-query
 * attention and a SwiGLU MLP, a final RMSNorm and an LM head (the embedding matrix itself when
 * {@code sharedClassifier}). Parameter names are Hugging Face's LlamaForCausalLM ({@link LlamaCheckpoint} lists
 * them): {@code model.embed_tokens.weight}, {@code model.layers.{i}.self_attn.q_proj.weight}, ...,
 * {@code lm_head.weight}.
 */
public final class Llama extends TransformerModel {
    public final LlamaConfig config;
    public final Backbone model;
    public final Linear lm_head;             // (V, C), or null when the embedding is shared
    private final Rotary rotary;
    private final Device device;

    /** The decoder stack under the name "model", as in Hugging Face. */
    public static final class Backbone extends Module {
        public final Embedding embed_tokens;                // (V, C)
        public final ModuleList<LlamaBlock> layers;
        public final RMSNorm norm;

        Backbone(LlamaConfig c, long seed, Device device) {
            embed_tokens = registerModule("embed_tokens", new Embedding(c.vocabSize(), c.dim(), 0.02, CounterRng.bits(seed, 0), device));
            layers = registerModule("layers", new ModuleList<>());
            for (int i = 0; i < c.nLayers(); i++) layers.add(new LlamaBlock(c, i, CounterRng.bits(seed, 100 + i), device));
            norm = registerModule("norm", new RMSNorm(c.dim(), c.normEps(), device));
        }
    }

    /** A randomly initialised model (weights N(0, 0.02), output projections /√(2·nLayers), norms 1). */
    public Llama(LlamaConfig config, long seed, Device device) {
        this.config = config;
        this.device = device;
        model = registerModule("model", new Backbone(config, CounterRng.bits(seed, 0), device));
        lm_head = config.sharedClassifier() ? null
                : registerModule("lm_head", linear(config.dim(), config.vocabSize(), 0.02, CounterRng.bits(seed, 1), device));
        rotary = new Rotary(config.headSize(), config.seqLen(), config.ropeTheta(), config.ropeLayout(), device);
    }

    public Llama(LlamaConfig config, long seed) { this(config, seed, Device.CPU); }

    /** A bias-free Linear (out, in) with weights N(0, std²). */
    static Linear linear(int in, int out, double std, long seed, Device device) {
        Linear l = new Linear(in, out, false, seed, device);
        Tensor w = Init.normal(CounterRng.bits(seed, 7), std, device, out, in);
        l.weight.set(w);
        w.free();
        return l;
    }

    @Override public int width() { return config.dim(); }
    @Override public int vocabSize() { return config.vocabSize(); }
    @Override public int contextLength() { return config.seqLen(); }
    @Override public int numLayers() { return config.nLayers(); }
    @Override public int numKvHeads() { return config.nKvHeads(); }
    @Override public int headSize() { return config.headSize(); }
    @Override public Device device() { return device; }
    @Override public String toString() { return "Llama " + config; }

    @Override public rlhf4j.transformer.infer.Decoder decoder() {
        return device.isCpu() ? LlamaDecoding.of(this) : null;
    }

    @Override public Variable forward(Tensor ids, Tensor positions, Tensor keyBias, KvCache cache) {
        checkIds(ids);
        Variable x = model.embed_tokens.forward(ids);                           // (B, T, C)
        Rotary.Tables rope = rotary.tables(positions, config.nHeads(), config.nKvHeads());    // 2 × (B, T, nh | nkv, hs)
        for (LlamaBlock layer : model.layers) x = layer.forward(x, rotary, rope, keyBias, cache);   // (B, T, C)
        if (cache != null) cache.advance(ids.size(1));
        return model.norm.forward(x);                                           // (B, T, C)
    }

    @Override public Variable logits(Variable hidden) {
        Variable w = lm_head != null ? lm_head.weight : model.embed_tokens.weight;             // (V, C)
        return hidden.matmul(w.mT());                                                           // (B, T, V)
    }

    // ================================================================================================ checkpoints

    /**
     * A model holding a checkpoint's weights (copied), in the checkpoint's rotary layout. Names, shapes and dtypes
     * are checked before the model is allocated; NaN or infinite weights get a warning on stderr.
     */
    public static Llama from(LlamaCheckpoint ckpt, Path file, Device device) throws FileFormatException {
        Map<String, Tensor> state = new LinkedHashMap<>(ckpt.tensors());
        if (ckpt.config().sharedClassifier()) state.remove(LlamaCheckpoint.LM_HEAD);
        ExpectedTensors.checkTensors(file, state, LlamaCheckpoint.shapes(ckpt.config()), "the config " + ckpt.config());
        ExpectedTensors.warnNonFinite(file, state);
        Llama m = new Llama(ckpt.config(), 0, device);
        m.loadWeights(file, state);
        return m;
    }

    /** Loads a llama2.c checkpoint (legacy or version 1). */
    public static Llama fromLlama2c(Path file, Device device) throws IOException {
        try (MemoryScope load = MemoryScope.open()) {                                      // file tensors die after copying
            return from(Llama2cCheckpoints.read(file), file, device);
        }
    }

    public static Llama fromLlama2c(Path file) throws IOException { return fromLlama2c(file, Device.CPU); }

    /**
     * This model as a {@link LlamaCheckpoint} (the parameter tensors themselves, in this model's rotary layout;
     * lm_head.weight is the embedding when shared).
     */
    public LlamaCheckpoint checkpoint() {
        Map<String, Tensor> tensors = new LinkedHashMap<>(stateDict());
        if (config.sharedClassifier()) tensors.put(LlamaCheckpoint.LM_HEAD, model.embed_tokens.weight.value());
        return new LlamaCheckpoint(config, tensors);
    }

    /** Writes a llama2.c legacy checkpoint, which run.c reads (q/k rows permuted to interleaved if needed). */
    public void saveLlama2c(Path file) throws IOException { Llama2cCheckpoints.writeLegacy(file, checkpoint()); }

    /**
     * Writes a Hugging Face directory: config.json and model.safetensors (metadata format "pt"), with q/k rows in
     * Hugging Face's half-split rotary layout; lm_head.weight is left out when tied, as transformers does.
     */
    @Override public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        LlamaCheckpoint hf = checkpoint().withRopeLayout(RopeLayout.HALF_SPLIT);
        Files.writeString(dir.resolve("config.json"), HfLlamaConfig.toJson(hf.config()), java.nio.charset.StandardCharsets.UTF_8);
        Map<String, Tensor> tensors = new LinkedHashMap<>(hf.tensors());
        if (config.sharedClassifier()) tensors.remove(LlamaCheckpoint.LM_HEAD);
        Safetensors.write(dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
    }

    /**
     * Loads a Hugging Face Llama directory: config.json ({@link HfLlamaConfig}) and model.safetensors. The config is
     * checked against the safetensors header (tensor count, names, shapes, dtypes) before anything is allocated.
     */
    public static Llama fromPretrained(Path dir, Device device) throws IOException {
        Path weights = dir.resolve("model.safetensors"), configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(weights)) throw new FileFormatException(dir, "no model.safetensors in this directory");
        LlamaConfig config = HfLlamaConfig.read(configFile);
        String described = configFile + " (" + HfLlamaConfig.describe(config) + ")";
        Map<String, SafetensorsHeader.Entry> entries = new LinkedHashMap<>();
        for (SafetensorsHeader.Entry e : SafetensorsHeader.read(weights).tensors())
            if (!e.name().endsWith("rotary_emb.inv_freq")) entries.put(e.name(), e);     // a buffer older files carry
        if (config.sharedClassifier()) entries.remove(LlamaCheckpoint.LM_HEAD);            // tied: may be written or not
        ExpectedTensors.checkPlausibleCount(weights, entries.size(), LlamaCheckpoint.tensorCount(config), described);
        ExpectedTensors.checkHeader(weights, entries, LlamaCheckpoint.shapes(config), described);
        try (MemoryScope load = MemoryScope.open()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>(Safetensors.read(weights, Device.CPU, entries::containsKey).tensors());
            if (config.sharedClassifier()) tensors.put(LlamaCheckpoint.LM_HEAD, tensors.get(LlamaCheckpoint.EMBED));
            return from(new LlamaCheckpoint(config, tensors), weights, device);
        }
    }
}
