package rlhf4j.transformer.train;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import rlhf4j.transformer.io.ConfigJson;
import rlhf4j.transformer.io.FileFormatException;
import rlhf4j.transformer.tokenizer.BpeTokenizer;
import rlhf4j.transformer.tokenizer.CharTokenizer;
import rlhf4j.transformer.tokenizer.LlamaTokenizer;
import rlhf4j.transformer.tokenizer.Tokenizer;

/**
 * A tokenizer's files in a checkpoint directory, each in its family's own format: GPT-2 BPE as {@value #BPE_VOCAB}
 * + {@value #BPE_MERGES} (what {@code GPT2Tokenizer} reads), llama2.c's {@value #LLAMA}, and a character
 * vocabulary as {@value #CHAR}.
 */
public final class TokenizerFiles {
    public static final String BPE_VOCAB = "vocab.json", BPE_MERGES = "merges.txt", LLAMA = "tokenizer.bin",
            CHAR = "char_tokenizer.json";

    private TokenizerFiles() {}

    /** Writes the tokenizer's files into dir. */
    public static void save(Tokenizer tok, Path dir) throws IOException {
        switch (tok) {
            case CharTokenizer c -> c.save(dir.resolve(CHAR));
            case BpeTokenizer b -> b.save(dir.resolve(BPE_VOCAB), dir.resolve(BPE_MERGES));
            case LlamaTokenizer l -> l.save(dir.resolve(LLAMA));
            default -> throw new IllegalArgumentException("cannot save a " + tok.getClass().getSimpleName());
        }
    }

    /** Whether dir holds tokenizer files that {@link #load} finds. */
    public static boolean present(Path dir) {
        return Files.isRegularFile(dir.resolve(CHAR)) || Files.isRegularFile(dir.resolve(BPE_VOCAB))
                || Files.isRegularFile(dir.resolve(LLAMA));
    }

    /**
     * Opens a tokenizer from a directory holding one of the files above, or from one file: a llama2.c
     * {@code .bin}, a character {@code .json} ({@code "type": "char"}), or a GPT-2 {@code vocab.json} with
     * {@code merges.txt} beside it.
     */
    public static Tokenizer load(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            for (String name : new String[]{CHAR, BPE_VOCAB, LLAMA})
                if (Files.isRegularFile(path.resolve(name))) return load(path.resolve(name));
            throw new FileFormatException(path, "no tokenizer here (expected " + CHAR + ", " + BPE_VOCAB + " + "
                    + BPE_MERGES + ", or " + LLAMA + ")");
        }
        if (!Files.isRegularFile(path)) throw new NoSuchFileException(path.toString(), null, "no such tokenizer file");
        String name = path.getFileName().toString();
        if (name.endsWith(".bin")) return LlamaTokenizer.load(path);
        if (!name.endsWith(".json"))
            throw new FileFormatException(path, "unknown tokenizer file: expected a llama2.c .bin, a GPT-2 vocab.json or a character .json");
        if (isCharFile(path)) return CharTokenizer.load(path);
        return BpeTokenizer.load(path, path.resolveSibling(BPE_MERGES));
    }

    private static boolean isCharFile(Path json) throws IOException {
        JsonObject root = ConfigJson.readObject(json);
        JsonElement type = root.get("type");
        return type != null && type.isJsonPrimitive() && "char".equals(type.getAsString());
    }
}
