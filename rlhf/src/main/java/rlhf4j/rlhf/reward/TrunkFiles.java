package rlhf4j.rlhf.reward;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.Models;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.gpt2.Gpt2;
import rlhf4j.transformer.llama.Llama;
import rlhf4j.transformer.tokenizer.BpeTokenizer;
import rlhf4j.transformer.tokenizer.CharTokenizer;
import rlhf4j.transformer.tokenizer.LlamaTokenizer;
import rlhf4j.transformer.tokenizer.Tokenizer;

/**
 * A trunk and its tokenizer on disk. A trunk directory is a Hugging Face directory (config.json +
 * model.safetensors) with the tokenizer beside it, in the first of these forms found:
 * <ul>
 *   <li>{@code vocab.json} + {@code merges.txt}: byte-level BPE (GPT-2's own, or one trained here);</li>
 *   <li>{@code tokenizer.bin}: a llama2.c tokenizer (e.g. tok512.bin);</li>
 *   <li>{@code tokenizer.json} with {@code "type": "char"}: a character tokenizer.</li>
 * </ul>
 */
public final class TrunkFiles {
    public static final String BPE_VOCAB = "vocab.json", BPE_MERGES = "merges.txt", LLAMA2C = "tokenizer.bin",
            CHARS = "tokenizer.json";

    private TrunkFiles() {}

    /** A trunk from a llama2.c .bin file or a Hugging Face GPT-2 / Llama directory. */
    public static TransformerModel loadTrunk(Path checkpoint, Device device) throws IOException {
        if (!Files.exists(checkpoint)) throw new NoSuchFileException(checkpoint.toString(), null, "no such checkpoint");
        return Models.load(checkpoint, device);
    }

    /**
     * The tokenizer of a checkpoint: {@code tokenizer} if given (a file in one of the forms above, or a directory
     * holding one), else the one inside the checkpoint directory.
     */
    public static Tokenizer loadTokenizer(Path checkpoint, Path tokenizer, int vocabSize) throws IOException {
        Path where = tokenizer != null ? tokenizer : checkpoint;
        if (!Files.exists(where)) throw new NoSuchFileException(where.toString(), null, "no such tokenizer file or directory");
        if (Files.isDirectory(where)) {
            for (String name : new String[]{BPE_VOCAB, LLAMA2C, CHARS})
                if (Files.isRegularFile(where.resolve(name))) return loadTokenizer(where.resolve(name), vocabSize);
            throw new NoSuchFileException(where.toString(), null, "no tokenizer in this directory (" + BPE_VOCAB
                    + " + " + BPE_MERGES + ", " + LLAMA2C + " or " + CHARS + ")");
        }
        if (tokenizer == null)
            throw new IllegalArgumentException(checkpoint + " is a llama2.c file: give its tokenizer (e.g. tok512.bin) with --tokenizer");
        return loadTokenizer(where, vocabSize);
    }

    private static Tokenizer loadTokenizer(Path file, int vocabSize) throws IOException {
        String name = file.getFileName().toString();
        if (name.endsWith(".bin")) return LlamaTokenizer.load(file, vocabSize);
        if (name.equals(BPE_VOCAB) || Files.isRegularFile(file.resolveSibling(BPE_MERGES)) && !name.equals(CHARS))
            return BpeTokenizer.load(file, file.resolveSibling(BPE_MERGES));
        return CharTokenizer.load(file);
    }

    /** Writes the trunk (Hugging Face layout) and its tokenizer into dir. */
    public static void save(TransformerModel trunk, Tokenizer tokenizer, Path dir) throws IOException {
        Files.createDirectories(dir);
        switch (trunk) {
            case Gpt2 g -> g.save(dir);
            case Llama l -> l.save(dir);
            default -> throw new IllegalArgumentException("cannot save a trunk of type " + trunk.getClass().getSimpleName());
        }
        switch (tokenizer) {
            case BpeTokenizer b -> b.save(dir.resolve(BPE_VOCAB), dir.resolve(BPE_MERGES));
            case LlamaTokenizer l -> l.save(dir.resolve(LLAMA2C));
            case CharTokenizer c -> c.save(dir.resolve(CHARS));
            default -> throw new IllegalArgumentException("cannot save a tokenizer of type " + tokenizer.getClass().getSimpleName());
        }
    }
}
