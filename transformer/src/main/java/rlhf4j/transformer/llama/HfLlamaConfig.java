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

    private static int integer(Path file, JsonObject o, String key) throws FileFormatException {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber())
            throw new FileFormatException(file, "missing or non-numeric \"" + key + "\"");
        return e.getAsInt();
    }
}
