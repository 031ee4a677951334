package rlhf4j.transformer.llama;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import rlhf4j.transformer.io.FileFormatException;
import rlhf4j.transformer.io.LlamaConfig;
import rlhf4j.transformer.io.RopeLayout;

/** Reads a Hugging Face Llama config.json into a {@link LlamaConfig} (half-split rotary layout, as HF stores q/k). */
public final class HfLlamaConfig {
    private HfLlamaConfig() {}

    public static LlamaConfig read(Path file) throws IOException {
        JsonObject o;
        try {
            JsonElement root = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!root.isJsonObject()) throw new FileFormatException(file, "expected a JSON object");
            o = root.getAsJsonObject();
        } catch (com.google.gson.JsonParseException e) {
            throw new FileFormatException(file, "not valid JSON: " + e.getMessage(), e);
        }
        try {
            int heads = integer(file, o, "num_attention_heads");
            return new LlamaConfig(integer(file, o, "hidden_size"), integer(file, o, "intermediate_size"),
                    integer(file, o, "num_hidden_layers"), heads,
                    o.has("num_key_value_heads") ? integer(file, o, "num_key_value_heads") : heads,
                    integer(file, o, "vocab_size"), integer(file, o, "max_position_embeddings"),
                    o.has("tie_word_embeddings") && o.get("tie_word_embeddings").getAsBoolean(), RopeLayout.HALF_SPLIT,
                    o.has("rms_norm_eps") ? o.get("rms_norm_eps").getAsFloat() : 1e-6f,
                    o.has("rope_theta") ? o.get("rope_theta").getAsFloat() : 10000f);
        } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
            throw new FileFormatException(file, "nonsensical Llama config: " + e.getMessage(), e);
        }
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

    private static int integer(Path file, JsonObject o, String key) throws FileFormatException {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber())
            throw new FileFormatException(file, "missing or non-numeric \"" + key + "\"");
        return e.getAsInt();
    }
}
