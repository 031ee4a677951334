package rlhf4j.transformer.llama;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import rlhf4j.tensor.io.Quote;
import rlhf4j.transformer.io.ConfigJson;
import rlhf4j.transformer.io.FileFormatException;
import rlhf4j.transformer.io.LlamaConfig;
import rlhf4j.transformer.io.RopeLayout;

/** Reads a Hugging Face Llama config.json into a {@link LlamaConfig} (half-split rotary layout, as HF stores q/k). */
public final class HfLlamaConfig {
    private HfLlamaConfig() {}

    /** Longest context a config may claim: the rotary tables are built for every position when the model is. */
    public static final int MAX_POSITIONS = 1 << 20;

    public static LlamaConfig read(Path file) throws IOException {
        JsonObject o = ConfigJson.readObject(file);
        int heads = ConfigJson.integer(file, o, "num_attention_heads");
        int positions = ConfigJson.integer(file, o, "max_position_embeddings");
        if (positions > MAX_POSITIONS)
            throw new FileFormatException(file, "\"max_position_embeddings\" is " + positions + ", over the limit of "
                    + MAX_POSITIONS);
        try {
            return new LlamaConfig(ConfigJson.integer(file, o, "hidden_size"), ConfigJson.integer(file, o, "intermediate_size"),
                    ConfigJson.integer(file, o, "num_hidden_layers"), heads,
                    o.has("num_key_value_heads") ? ConfigJson.integer(file, o, "num_key_value_heads") : heads,
                    ConfigJson.integer(file, o, "vocab_size"), positions,
                    o.has("tie_word_embeddings") && bool(file, o, "tie_word_embeddings"), RopeLayout.HALF_SPLIT,
                    o.has("rms_norm_eps") ? number(file, o, "rms_norm_eps") : 1e-6f,
                    o.has("rope_theta") ? number(file, o, "rope_theta") : 10000f);
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(file, "nonsensical Llama config: " + e.getMessage(), e);
        }
    }

    /** The shape fields as config.json names them, for messages: "hidden_size 64, intermediate_size 172, ...". */
    public static String describe(LlamaConfig c) {
        return "hidden_size " + c.dim() + ", intermediate_size " + c.hiddenDim() + ", num_hidden_layers " + c.nLayers()
                + ", num_attention_heads " + c.nHeads() + ", num_key_value_heads " + c.nKvHeads() + ", vocab_size "
                + c.vocabSize() + ", tie_word_embeddings " + c.sharedClassifier();
    }

    private static boolean bool(Path file, JsonObject o, String key) throws FileFormatException {
        JsonElement e = o.get(key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean())
            throw new FileFormatException(file, "\"" + key + "\" is " + Quote.cap(e) + ", expected true or false");
        return e.getAsBoolean();
    }

    private static float number(Path file, JsonObject o, String key) throws FileFormatException {
        JsonElement e = o.get(key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber())
            throw new FileFormatException(file, "\"" + key + "\" is " + Quote.cap(e) + ", expected a number");
        return e.getAsFloat();
    }

    /** config.json text for a half-split config (the layout Hugging Face's q/k rows use). */
    public static String toJson(LlamaConfig c) {
        if (c.ropeLayout() != RopeLayout.HALF_SPLIT)
            throw new IllegalArgumentException("Hugging Face Llama stores q/k rows half-split; permute the checkpoint first");
        JsonObject o = new JsonObject();
        com.google.gson.JsonArray arch = new com.google.gson.JsonArray();
        arch.add("LlamaForCausalLM");
        o.add("architectures", arch);
        o.addProperty("model_type", "llama");
        o.addProperty("hidden_size", c.dim());
        o.addProperty("intermediate_size", c.hiddenDim());
        o.addProperty("num_hidden_layers", c.nLayers());
        o.addProperty("num_attention_heads", c.nHeads());
        o.addProperty("num_key_value_heads", c.nKvHeads());
        o.addProperty("vocab_size", c.vocabSize());
        o.addProperty("max_position_embeddings", c.seqLen());
        o.addProperty("rms_norm_eps", c.normEps());
        o.addProperty("rope_theta", c.ropeTheta());
        o.addProperty("tie_word_embeddings", c.sharedClassifier());
        o.addProperty("hidden_act", "silu");
        o.addProperty("torch_dtype", "float32");
        return new com.google.gson.GsonBuilder().setPrettyPrinting().create().toJson(o) + "\n";
    }
}
