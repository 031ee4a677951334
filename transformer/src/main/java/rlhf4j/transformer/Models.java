package rlhf4j.transformer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.gpt2.Gpt2;
import rlhf4j.tensor.io.Quote;
import rlhf4j.transformer.io.ConfigJson;
import rlhf4j.transformer.io.FileFormatException;
import rlhf4j.transformer.llama.Llama;

/**
 * Opens a checkpoint of any supported kind: a llama2.c {@code .bin} file, or a Hugging Face directory
 * (config.json + model.safetensors) whose {@code model_type} / {@code architectures} say GPT-2 or Llama.
 */
public final class Models {
    private Models() {}

    /** The architecture families a checkpoint can hold. */
    public enum Family { GPT2, LLAMA }

    public static TransformerModel load(Path path, Device device) throws IOException {
        if (Files.isDirectory(path)) {
            return switch (family(path.resolve("config.json"))) {
                case GPT2 -> Gpt2.fromPretrained(path, device);
                case LLAMA -> Llama.fromPretrained(path, device);
            };
        }
        if (!Files.isRegularFile(path)) throw new NoSuchFileException(path.toString(), null, "no such checkpoint file or directory");
        return Llama.fromLlama2c(path, device);
    }

    public static TransformerModel load(Path path) throws IOException { return load(path, Device.CPU); }

    /** The family that a Hugging Face config.json names; an error naming the file for anything else. */
    public static Family family(Path configJson) throws IOException {
        if (!Files.isRegularFile(configJson)) throw new FileFormatException(configJson, "missing: a checkpoint directory needs a config.json");
        JsonObject o = ConfigJson.readObject(configJson);
        List<String> names = new ArrayList<>();
        if (o.has("model_type")) names.add(name(configJson, o.get("model_type"), "model_type"));
        if (o.has("architectures") && o.get("architectures").isJsonArray())
            for (JsonElement e : o.getAsJsonArray("architectures")) names.add(name(configJson, e, "architectures"));
        for (String n : names) {
            String s = n.toLowerCase(Locale.ROOT);
            if (s.startsWith("gpt2")) return Family.GPT2;
            if (s.startsWith("llama")) return Family.LLAMA;
        }
        throw new FileFormatException(configJson, "unknown architecture " + (names.isEmpty() ? "(no model_type or architectures)"
                : Quote.cap(names)) + "; supported: gpt2 (GPT2LMHeadModel, GPT2Model) and llama (LlamaForCausalLM)");
    }

    private static String name(Path file, JsonElement e, String field) throws FileFormatException {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString())
            throw new FileFormatException(file, "\"" + field + "\" holds " + Quote.cap(e) + ", expected a name such as \"gpt2\"");
        return e.getAsString();
    }
}
