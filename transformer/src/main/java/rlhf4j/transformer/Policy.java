package rlhf4j.transformer;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.io.FileFormatException;
import rlhf4j.transformer.tokenizer.Tokenizer;
import rlhf4j.transformer.train.TokenizerFiles;

/**
 * A language model ready to write completions: the model, its tokenizer and the token that ends a completion, with
 * the prompt encoding and completion decoding every stage shares.
 *
 * <p>Stop token rules (one place for all of them): a llama2.c {@code .bin} model stops at BOS (llama2.c separates
 * stories with it); a Hugging Face directory stops at its {@code generation_config.json}'s {@code eos_token_id} when
 * it has one, else at the tokenizer's end of sequence (EOS for Llama, {@code <|endoftext|>} for GPT-2). −1 never
 * stops. {@link #save} records the stop token in generation_config.json, so a saved policy loads with the same one.
 *
 * @param model      the transformer
 * @param tokenizer  its tokenizer (ids within the model's vocabulary)
 * @param stopToken  the id that ends a completion, or −1 to always write maxNewTokens tokens
 */
public record Policy(TransformerModel model, Tokenizer tokenizer, int stopToken) {
    public static final String GENERATION_CONFIG = "generation_config.json";

    public Policy {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(tokenizer, "tokenizer");
        if (tokenizer.vocabSize() > model.vocabSize())
            throw new IllegalArgumentException("the tokenizer has " + tokenizer.vocabSize() + " ids, more than the model's vocabulary of "
                    + model.vocabSize());
        if (stopToken < -1 || stopToken >= model.vocabSize())
            throw new IllegalArgumentException("stop token " + stopToken + " is outside the vocabulary [0, " + model.vocabSize() + ") and not -1");
    }

    /**
     * Opens a policy: a llama2.c {@code .bin} file, or a Hugging Face GPT-2 / Llama directory.
     *
     * @param tokenizerOrNull a tokenizer file or directory; null = the one inside the checkpoint directory, or for a
     *                        {@code .bin} the lone {@code tok*.bin} / {@code tokenizer.bin} beside it
     */
    public static Policy load(Path checkpoint, Path tokenizerOrNull, Device device) throws IOException {
        if (!Files.exists(checkpoint)) throw new NoSuchFileException(checkpoint.toString(), null, "no such checkpoint");
        TransformerModel model = Models.load(checkpoint, device);
        Path tokenizerPath = tokenizerOrNull != null ? tokenizerOrNull
                : Files.isDirectory(checkpoint) ? checkpoint : tokenizerBeside(checkpoint);
        Tokenizer tok = TokenizerFiles.load(tokenizerPath);
        if (tok.vocabSize() > model.vocabSize())
            throw new IllegalArgumentException("the tokenizer " + tokenizerPath + " has " + tok.vocabSize()
                    + " ids, more than the vocabulary of " + checkpoint + " (" + model.vocabSize() + ")");
        return new Policy(model, tok, stopToken(checkpoint, tok));
    }

    /** The tokenizer beside a llama2.c checkpoint: the one {@code tok*.bin} file (tokenizer.bin included) in its folder. */
    public static Path tokenizerBeside(Path checkpointFile) throws IOException {
        Path folder = checkpointFile.toAbsolutePath().getParent();
        List<Path> found;
        try (Stream<Path> files = Files.list(folder)) {
            found = files.filter(f -> Files.isRegularFile(f) && !f.getFileName().equals(checkpointFile.getFileName()))
                    .filter(f -> f.getFileName().toString().matches("tok.*\\.bin")).sorted().toList();
        }
        if (found.size() == 1) return found.getFirst();
        throw new IllegalArgumentException(checkpointFile + " is a llama2.c file and its folder holds "
                + (found.isEmpty() ? "no tok*.bin tokenizer" : "several tokenizers " + found.stream().map(p -> p.getFileName().toString()).toList())
                + ": name one with --tokenizer");
    }

    /** The stop token rule (see the class comment) for a checkpoint opened with this tokenizer. */
    public static int stopToken(Path checkpoint, Tokenizer tok) throws IOException {
        if (!Files.isDirectory(checkpoint)) return tok.bosId();
        Path gen = checkpoint.resolve(GENERATION_CONFIG);
        if (Files.isRegularFile(gen)) {
            JsonObject o = readObject(gen);
            if (o.has("eos_token_id")) {
                JsonElement e = o.get("eos_token_id");
                try {
                    if (e.isJsonNull()) return -1;
                    return e.isJsonArray() ? e.getAsJsonArray().get(0).getAsInt() : e.getAsInt();
                } catch (RuntimeException bad) {
                    throw new FileFormatException(gen, "eos_token_id must be a token id, a list of them or null, got " + e, bad);
                }
            }
        }
        return tok.eosId();
    }

    /** This policy with another stop token (−1 = never stop). */
    public Policy withStopToken(int stop) { return new Policy(model, tokenizer, stop); }

    /**
     * A prompt's ids as the model is fed them (with BOS where the tokenizer's convention prepends one), cut to the
     * first (context − maxNewTokens) tokens so that prompt and completion fit the model. An empty prompt is the
     * end-of-text token (the start of a new document).
     */
    public int[] encodePrompt(String text, int maxNewTokens) {
        int room = model.contextLength() - maxNewTokens;
        if (room < 1)
            throw new IllegalArgumentException(maxNewTokens + " new tokens leave no room for a prompt in the model's context of "
                    + model.contextLength());
        int[] ids = tokenizer.encode(text);
        if (ids.length == 0) ids = new int[]{Math.max(tokenizer.eosId(), 0)};
        return ids.length <= room ? ids : Arrays.copyOf(ids, room);
    }

    /** {@link #encodePrompt} of each text. */
    public List<int[]> encodePrompts(List<String> texts, int maxNewTokens) {
        return texts.stream().map(t -> encodePrompt(t, maxNewTokens)).toList();
    }

    /**
     * What a completion adds to its prompt: decode(prompt + completion) minus decode(prompt), which keeps tokens that
     * render differently at the start (sentencepiece's leading space) right. A final stop token is left out of the
     * text (it stays in the ids).
     */
    public String completionText(int[] prompt, int[] completion) {
        int n = completion.length > 0 && completion[completion.length - 1] == stopToken ? completion.length - 1 : completion.length;
        int[] all = Arrays.copyOf(prompt, prompt.length + n);
        System.arraycopy(completion, 0, all, prompt.length, n);
        String full = tokenizer.decode(all), head = tokenizer.decode(prompt);
        return full.startsWith(head) ? full.substring(head.length()) : tokenizer.decode(Arrays.copyOf(completion, n));
    }

    /**
     * Writes a directory that {@link #load} opens as this policy: the model (Hugging Face layout, see
     * {@link TransformerModel#save}), the tokenizer's files and generation_config.json with the stop token.
     */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        model.save(dir);
        TokenizerFiles.save(tokenizer, dir);
        JsonObject gen = new JsonObject();
        if (stopToken >= 0) gen.addProperty("eos_token_id", stopToken);
        else gen.add("eos_token_id", com.google.gson.JsonNull.INSTANCE);
        Files.writeString(dir.resolve(GENERATION_CONFIG), new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(gen) + "\n",
                StandardCharsets.UTF_8);
    }

    private static JsonObject readObject(Path file) throws IOException {
        try {
            JsonElement root = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!root.isJsonObject()) throw new FileFormatException(file, "expected a JSON object");
            return root.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new FileFormatException(file, "not valid JSON: " + e.getMessage(), e);
        }
    }
}
