package rlhf4j.transformer.io;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import rlhf4j.tensor.io.Quote;
import java.util.ArrayList;
import java.util.List;

/**
 * The fields of a Hugging Face GPT-2 {@code config.json} that fix the model's shape.
 *
 * @param nLayer           transformer blocks
 * @param nHead            attention heads; head size = nEmbd / nHead
 * @param nEmbd            model width
 * @param nPositions       learned positions (the context length)
 * @param vocabSize        token ids (GPT-2: 50257)
 * @param layerNormEpsilon LayerNorm ε (GPT-2: 1e-5)
 * @param architectures    e.g. ["GPT2LMHeadModel"]
 */
public record Gpt2Config(int nLayer, int nHead, int nEmbd, int nPositions, int vocabSize, double layerNormEpsilon,
                         List<String> architectures) {

    /** Throws IllegalArgumentException naming the first nonsensical value. */
    public Gpt2Config {
        if (nLayer <= 0 || nHead <= 0 || nEmbd <= 0 || nPositions <= 0 || vocabSize <= 0)
            throw new IllegalArgumentException("n_layer " + nLayer + ", n_head " + nHead + ", n_embd " + nEmbd
                    + ", n_positions " + nPositions + ", vocab_size " + vocabSize + " must all be positive");
        if (nEmbd % nHead != 0)
            throw new IllegalArgumentException("n_embd " + nEmbd + " is not divisible by n_head " + nHead);
        if (!(layerNormEpsilon > 0)) throw new IllegalArgumentException("layer_norm_epsilon " + layerNormEpsilon + " must be positive");
        architectures = List.copyOf(architectures);
    }

    /** GPT-2 small (124M): 12 layers, 12 heads, width 768, 1024 positions, 50257 tokens. */
    public static Gpt2Config gpt2Small() {
        return new Gpt2Config(12, 12, 768, 1024, 50257, 1e-5, List.of("GPT2LMHeadModel"));
    }

    public int headSize() { return nEmbd / nHead; }

    /**
     * Reads config.json. n_layer, n_head, n_embd and vocab_size are required; n_positions falls back to the older
     * n_ctx; layer_norm_epsilon defaults to 1e-5 and architectures to none, as in transformers' GPT2Config.
     */
    public static Gpt2Config read(Path file) throws IOException {
        JsonObject o = ConfigJson.readObject(file);
        int positions = o.has("n_positions") ? intField(file, o, "n_positions") : intField(file, o, "n_ctx");
        double eps = 1e-5;
        List<String> arch = new ArrayList<>();
        if (o.has("layer_norm_epsilon")) {
            JsonElement e = o.get("layer_norm_epsilon");
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber())
                throw new FileFormatException(file, "\"layer_norm_epsilon\" is " + Quote.cap(e) + ", expected a number");
            eps = e.getAsDouble();
        }
        if (o.has("architectures")) {
            JsonElement a = o.get("architectures");
            if (!a.isJsonArray()) throw new FileFormatException(file, "\"architectures\" is " + Quote.cap(a) + ", expected an array of names");
            for (JsonElement e : a.getAsJsonArray()) {
                if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString())
                    throw new FileFormatException(file, "\"architectures\" holds " + Quote.cap(e) + ", expected a name");
                arch.add(e.getAsString());
            }
        }
        try {
            return new Gpt2Config(intField(file, o, "n_layer"), intField(file, o, "n_head"), intField(file, o, "n_embd"),
                    positions, intField(file, o, "vocab_size"), eps, arch);
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(file, "nonsensical GPT-2 config: " + e.getMessage(), e);
        }
    }

    private static int intField(Path file, JsonObject o, String key) throws FileFormatException {
        return ConfigJson.integer(file, o, key);
    }

    /** The shape fields as config.json names them, for messages: "n_layer 12, n_head 12, n_embd 768, ...". */
    public String describe() {
        return "n_layer " + nLayer + ", n_head " + nHead + ", n_embd " + nEmbd + ", n_positions " + nPositions
                + ", vocab_size " + vocabSize;
    }

    /** The config.json text: these fields plus model_type "gpt2" and n_ctx (= n_positions), as transformers writes. */
    public String toJson() {
        JsonObject o = new JsonObject();
        JsonArray arch = new JsonArray();
        architectures.forEach(arch::add);
        o.add("architectures", arch);
        o.addProperty("layer_norm_epsilon", layerNormEpsilon);
        o.addProperty("model_type", "gpt2");
        o.addProperty("n_ctx", nPositions);
        o.addProperty("n_embd", nEmbd);
        o.addProperty("n_head", nHead);
        o.addProperty("n_layer", nLayer);
        o.addProperty("n_positions", nPositions);
        o.addProperty("vocab_size", vocabSize);
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(o) + "\n";
    }

    public void write(Path file) throws IOException { Files.writeString(file, toJson(), StandardCharsets.UTF_8); }
}
