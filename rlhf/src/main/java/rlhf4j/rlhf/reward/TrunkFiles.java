package rlhf4j.rlhf.reward;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.Models;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.tokenizer.Tokenizer;
import rlhf4j.transformer.train.TokenizerFiles;

/**
 * A trunk and its tokenizer on disk: a Hugging Face directory (config.json + model.safetensors) with the tokenizer's
 * files beside it in the form {@link TokenizerFiles} writes and reads (BPE vocab.json + merges.txt, llama2.c
 * tokenizer.bin, or a character vocabulary), so the directory also opens as a policy checkpoint.
 */
public final class TrunkFiles {
    private TrunkFiles() {}

    /** A trunk from a llama2.c .bin file or a Hugging Face GPT-2 / Llama directory. */
    public static TransformerModel loadTrunk(Path checkpoint, Device device) throws IOException {
        if (!Files.exists(checkpoint)) throw new NoSuchFileException(checkpoint.toString(), null, "no such checkpoint");
        return Models.load(checkpoint, device);
    }

    /**
     * The tokenizer of a checkpoint: {@code tokenizer} if given (a tokenizer file, or a directory holding one), else
     * the one inside the checkpoint directory. Its ids must fit the model's vocabulary.
     */
    public static Tokenizer loadTokenizer(Path checkpoint, Path tokenizer, int vocabSize) throws IOException {
        if (tokenizer == null && !Files.isDirectory(checkpoint))
            throw new IllegalArgumentException(checkpoint + " is a llama2.c file: give its tokenizer (e.g. tok512.bin) with --tokenizer");
        Tokenizer tok = TokenizerFiles.load(tokenizer != null ? tokenizer : checkpoint);
        if (tok.vocabSize() > vocabSize)
            throw new IllegalArgumentException("the tokenizer " + (tokenizer != null ? tokenizer : checkpoint) + " has "
                    + tok.vocabSize() + " ids, more than the model's vocabulary of " + vocabSize);
        return tok;
    }

    /** Writes the trunk (Hugging Face layout) and its tokenizer into dir. */
    public static void save(TransformerModel trunk, Tokenizer tokenizer, Path dir) throws IOException {
        Files.createDirectories(dir);
        trunk.save(dir);
        TokenizerFiles.save(tokenizer, dir);
    }
}
