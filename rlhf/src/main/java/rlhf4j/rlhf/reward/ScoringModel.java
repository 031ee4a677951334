package rlhf4j.rlhf.reward;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import rlhf4j.autograd.Grad;
import rlhf4j.autograd.Variable;
import rlhf4j.autograd.nn.Init;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.io.Safetensors;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.heads.HeadedModel;
import rlhf4j.transformer.heads.SequenceHead;
import rlhf4j.transformer.run.CheckpointWriter;
import rlhf4j.transformer.tokenizer.Tokenizer;
import rlhf4j.transformer.train.DivergenceGuard;
import rlhf4j.transformer.train.TrainingDivergedException;

/**
 * A language-model trunk with a sequence head of N outputs read at each text's last real token, and the tokenizer
 * that feeds it: the common part of a pairwise reward model (N = 1) and a classifier (N classes).
 *
 * <p>On disk, a directory: {@code model.json} (what kind of model, its settings and training figures),
 * {@code head.safetensors} ({@code score.weight} (N, C), {@code score.bias} (N)) and {@code trunk/} (a Hugging
 * Face directory with its tokenizer, see {@link TrunkFiles}), so the trunk alone also loads as a policy.
 */
public final class ScoringModel {
    public static final String CONFIG_FILE = "model.json", HEAD_FILE = "head.safetensors", TRUNK_DIR = "trunk";

    public final TransformerModel trunk;
    public final SequenceHead head;
    public final Tokenizer tokenizer;
    public final int maxLength;
    /** Trunk and head as one module: parameters {@code trunk.*} and {@code sequence_head.*}. */
    public final HeadedModel module;

    public ScoringModel(TransformerModel trunk, SequenceHead head, Tokenizer tokenizer, int maxLength) {
        if (head.numOutputs < 1) throw new IllegalArgumentException("a head needs at least one output");
        if (maxLength < 1 || maxLength > trunk.contextLength())
            throw new IllegalArgumentException("max length " + maxLength + " must be in [1, " + trunk.contextLength() + "]");
        if (tokenizer.vocabSize() > trunk.vocabSize())
            throw new IllegalArgumentException("the tokenizer has " + tokenizer.vocabSize() + " ids, the trunk only "
                    + trunk.vocabSize());
        this.trunk = trunk;
        this.head = head;
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
        this.module = new HeadedModel(trunk, false, null, head);
        module.train(false);                                   // dropout off: the same text always scores the same
    }

    /**
     * A new head of N outputs on a trunk: weights drawn from N(0, 1/(C+1)) (std 1/√(C+1), as in Stiennon et al.'s
     * reward models, so initial scores are O(1)), bias 0.
     */
    public static ScoringModel withNewHead(TransformerModel trunk, Tokenizer tokenizer, int outputs, int maxLength, long seed) {
        int c = trunk.width();
        SequenceHead head = new SequenceHead(c, outputs, seed, trunk.device());
        head.score.weight.set(Init.normal(seed, 1 / Math.sqrt(c + 1), trunk.device(), outputs, c));
        head.score.bias.set(Init.zeros(trunk.device(), outputs));
        return new ScoringModel(trunk, head, tokenizer, Math.min(maxLength, trunk.contextLength()));
    }

    /** The ids fed for a text: the tokenizer's, cut to the last maxLength; a lone pad id for an empty text. */
    public int[] encode(String text) {
        int[] ids = tokenizer.encode(text);
        if (ids.length == 0) ids = new int[]{Math.max(tokenizer.eosId(), 0)};
        return TokenBatch.keepLast(ids, maxLength);
    }

    /** Scores (B, N) of a padded batch, with gradients when enabled. */
    public Variable scores(TokenBatch batch) {
        Tensor ids = batch.ids().to(trunk.device()), mask = batch.mask().to(trunk.device());
        return module.forward(ids, mask).scores();                                 // (B, N)
    }

    /** Scores of token sequences, rows of N, without gradients, in batches of batchSize. */
    public float[][] scoreIds(List<int[]> sequences, int batchSize) {
        float[][] out = new float[sequences.size()][];
        int n = head.numOutputs;
        for (int from = 0; from < sequences.size(); from += batchSize) {
            List<int[]> rows = sequences.subList(from, Math.min(sequences.size(), from + batchSize));
            try (Grad.NoGrad ng = Grad.off(); MemoryScope step = MemoryScope.open()) {
                float[] s = scores(TokenBatch.of(rows, TokenBatch.Side.RIGHT)).value().toFloatArray();   // (b·N)
                for (int i = 0; i < rows.size(); i++) out[from + i] = java.util.Arrays.copyOfRange(s, i * n, (i + 1) * n);
            }
        }
        return out;
    }

    /** Scores of texts, rows of N. */
    public float[][] scoreTexts(List<String> texts, int batchSize) {
        List<int[]> ids = new ArrayList<>(texts.size());
        for (String t : texts) ids.add(encode(t));
        return scoreIds(ids, batchSize);
    }

    /**
     * Writes the directory: config (with the kind and maxLength added), head, trunk and tokenizer, through the shared
     * {@link CheckpointWriter} (complete or not at all, with a manifest). Non-finite or exploded weights are refused.
     */
    public void save(Path dir, JsonObject config) throws IOException {
        Map<String, rlhf4j.autograd.Parameter> weights = new java.util.LinkedHashMap<>(trunk.namedParameters());
        head.namedParameters().forEach((k, v) -> weights.put("head." + k, v));
        String bad = DivergenceGuard.checkWeights(weights);
        if (bad != null) throw new TrainingDivergedException("the trained weights", bad);
        long bytes = (1 << 20) + 4L * weights.values().stream().mapToLong(p -> p.value().numel()).sum();
        CheckpointWriter.write(dir, -1, Map.of(), bytes, CONFIG_FILE, tmp -> {
            JsonObject c = config.deepCopy();
            c.addProperty("outputs", head.numOutputs);
            c.addProperty("max_length", maxLength);
            Files.writeString(tmp.resolve(CONFIG_FILE), new GsonBuilder().setPrettyPrinting().create().toJson(c), StandardCharsets.UTF_8);
            Safetensors.write(tmp.resolve(HEAD_FILE), head.stateDict(), Map.of("format", "pt"));
            TrunkFiles.save(trunk, tokenizer, tmp.resolve(TRUNK_DIR));
        });
    }

    /** A saved model and its config. */
    public record Loaded(ScoringModel model, JsonObject config) {}

    /** Reads a directory written by {@link #save}; errors name the missing or bad file. */
    public static Loaded load(Path dir, Device device) throws IOException {
        Path configFile = dir.resolve(CONFIG_FILE), headFile = dir.resolve(HEAD_FILE);
        if (!Files.isDirectory(dir)) throw new NoSuchFileException(dir.toString(), null, "no such model directory");
        if (!Files.isRegularFile(configFile)) throw new NoSuchFileException(configFile.toString(), null, "missing model config");
        if (!Files.isRegularFile(headFile)) throw new NoSuchFileException(headFile.toString(), null, "missing head weights");
        JsonObject config;
        try {
            config = JsonParser.parseString(Files.readString(configFile, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IOException(configFile + ": not a JSON object: " + e.getMessage(), e);
        }
        if (!config.has("outputs") || !config.has("max_length"))
            throw new IOException(configFile + ": needs \"outputs\" and \"max_length\"");
        TransformerModel trunk = TrunkFiles.loadTrunk(dir.resolve(TRUNK_DIR), device);
        Tokenizer tokenizer = TrunkFiles.loadTokenizer(dir.resolve(TRUNK_DIR), null, trunk.vocabSize());
        SequenceHead head = new SequenceHead(trunk.width(), config.get("outputs").getAsInt(), 0, device);
        try (MemoryScope read = MemoryScope.open()) {
            var tensors = Safetensors.read(headFile, device).tensors();
            for (String name : head.stateDict().keySet())
                if (!tensors.containsKey(name)) throw new IOException(headFile + ": missing tensor " + name);
            head.loadStateDict(tensors, true);
        }
        return new Loaded(new ScoringModel(trunk, head, tokenizer, config.get("max_length").getAsInt()), config);
    }
}
