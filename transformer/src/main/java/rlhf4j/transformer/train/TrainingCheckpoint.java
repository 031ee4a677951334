package rlhf4j.transformer.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.io.Safetensors;
import rlhf4j.transformer.Models;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.gpt2.Gpt2;
import rlhf4j.transformer.gpt2.GptConfig;
import rlhf4j.transformer.io.FileFormatException;
import rlhf4j.transformer.io.LlamaCheckpoint;
import rlhf4j.transformer.io.Llama2cCheckpoints;
import rlhf4j.transformer.io.RopeLayout;
import rlhf4j.transformer.llama.Llama;
import rlhf4j.transformer.run.AtomicFiles;
import rlhf4j.transformer.run.CheckpointStore;
import rlhf4j.transformer.run.CheckpointWriter;
import rlhf4j.transformer.tokenizer.Tokenizer;

/**
 * A training run saved as a directory:
 *
 * <pre>
 * config.json + model.safetensors   GPT-2, Hugging Face's format (Models.load / Gpt2.fromPretrained read it)
 * model.bin                         or a Llama in llama2.c's format (Models.load(dir/model.bin) reads it)
 * vocab.json + merges.txt | tokenizer.bin | char_tokenizer.json   the tokenizer ({@link TokenizerFiles})
 * optimizer.safetensors             AdamW's moments "m.NAME", "v.NAME" and its step count
 * trainer_state.json                step, data position, schedule, best val loss, dropout counters ({@link TrainerState})
 * manifest.json                     every other file's size and SHA-256 ({@link rlhf4j.transformer.run.Manifest})
 * </pre>
 * Saving goes through {@link CheckpointWriter}: a fresh
 * sibling directory renamed into place once complete, the previous checkpoint kept as DIR.old until then, so a crash
 * leaves one whole checkpoint. {@link TrainingRun} also keeps the best one (lowest validation loss) as DIR.best.
 */
public final class TrainingCheckpoint {
    public static final String OPTIMIZER_FILE = "optimizer.safetensors", STATE_FILE = "trainer_state.json",
            LLAMA2C_FILE = "model.bin";
    /**
     * Run facts that rebuild a GPT-2 exactly as it was trained: its dropout probability and construction seed (which
     * seeds the dropout masks). Hugging Face's config.json has neither, so they go into the trainer state.
     */
    public static final String RUN_DROPOUT = "dropout", RUN_MODEL_SEED = "model_seed";
    /** The manifest fact that records the best validation loss of the run when the checkpoint was taken. */
    public static final String BEST_VAL_LOSS = "best_val_loss";

    private TrainingCheckpoint() {}

    // ================================================================================================ saving

    /** Saves the trainer's model, optimizer and state plus the tokenizer into dir, atomically ({@link CheckpointWriter}). */
    public static Path save(Path dir, CausalLmTrainer trainer, Tokenizer tokenizer, Map<String, String> run) throws IOException {
        dir = dir.toAbsolutePath().normalize();
        if (Files.exists(dir) && !Files.isRegularFile(dir.resolve(STATE_FILE)) && !isEmptyDirectory(dir))
            throw new FileFormatException(dir, "exists and is not a training checkpoint; refusing to replace it");
        Map<String, String> info = new LinkedHashMap<>();
        if (Double.isFinite(trainer.bestValLoss())) info.put(BEST_VAL_LOSS, Double.toString(trainer.bestValLoss()));
        return CheckpointWriter.write(dir, trainer.step(), info, expectedBytes(trainer.model()), STATE_FILE, tmp -> {
            saveModel(trainer.model(), tmp);
            if (tokenizer != null) TokenizerFiles.save(tokenizer, tmp);
            Safetensors.write(tmp.resolve(OPTIMIZER_FILE), trainer.optimizer().stateDict());
            new TrainerState(trainer.step(), trainer.batchesDrawn(), trainer.bestValLoss(), trainer.optimizer().lr(),
                    trainer.config(), trainer.dropoutCalls(), run).write(tmp.resolve(STATE_FILE));
        });
    }

    /** About what a checkpoint of this model takes on disk: weights and AdamW's two moments in float32, plus 1 MB. */
    public static long expectedBytes(TransformerModel model) { return model.numParameters() * 4L * 3 + (1 << 20); }

    /** The checkpoints of a run whose checkpoint directory is dir: dir itself and dir.best (see {@link CheckpointStore}). */
    public static CheckpointStore store(Path dir) { return CheckpointStore.single(dir, STATE_FILE); }

    /** Writes the model's weights in its family's format (see the class notes). */
    public static void saveModel(TransformerModel model, Path dir) throws IOException {
        Files.createDirectories(dir);
        switch (model) {
            case Gpt2 g -> g.save(dir);
            case Llama l -> {
                if (l.config.ropeLayout() != RopeLayout.INTERLEAVED)
                    throw new UnsupportedOperationException("saving a Llama loaded from a Hugging Face directory is not supported;"
                            + " only llama2.c models (interleaved rotary layout) are written, as " + LLAMA2C_FILE);
                Map<String, Tensor> tensors = new LinkedHashMap<>(l.stateDict());
                tensors.putIfAbsent(LlamaCheckpoint.LM_HEAD, tensors.get(LlamaCheckpoint.EMBED));   // shared classifier
                Llama2cCheckpoints.writeLegacy(dir.resolve(LLAMA2C_FILE), new LlamaCheckpoint(l.config, tensors));
            }
            default -> throw new UnsupportedOperationException("cannot save a " + model.getClass().getSimpleName());
        }
    }

    // ================================================================================================ loading

    /**
     * The checkpoint to resume from: the newest valid one of dir's store (dir, DIR.old after an interrupted swap,
     * DIR.best), each newer one that fails its manifest check reported to {@code notes}.
     */
    public static Path resolve(Path dir, Consumer<String> notes) throws IOException {
        Path found = store(dir).newestValid(notes);
        if (found == null) {
            Path d = dir.toAbsolutePath().normalize();
            if (!Files.exists(d)) throw new NoSuchFileException(d.toString(), null, "no such checkpoint directory");
            throw new FileFormatException(d, "no valid checkpoint to resume from (see the lines above)");
        }
        return found;
    }

    /** {@link #resolve(Path, Consumer)} with the notes on stderr. */
    public static Path resolve(Path dir) throws IOException { return resolve(dir, System.err::println); }

    /**
     * Opens a model: a checkpoint directory written here (GPT-2 or llama2.c inside), a Hugging Face directory, or a
     * llama2.c {@code .bin} file.
     */
    public static TransformerModel loadModel(Path path, Device device) throws IOException {
        if (Files.isDirectory(path) && Files.isRegularFile(path.resolve(LLAMA2C_FILE))
                && !Files.exists(path.resolve(Gpt2.CONFIG_FILE)))
            return Models.load(path.resolve(LLAMA2C_FILE), device);
        return Models.load(path, device);
    }

    /**
     * The model of a checkpoint as it was being trained: {@link #loadModel}'s, but a GPT-2 with the dropout and
     * dropout seeds recorded under {@link #RUN_DROPOUT} / {@link #RUN_MODEL_SEED} (a plain load has no dropout).
     */
    public static TransformerModel loadForResume(Path dir, Device device) throws IOException {
        TransformerModel m = loadModel(dir, device);
        Map<String, String> run = readState(dir).run();
        if (!(m instanceof Gpt2 g) || !run.containsKey(RUN_DROPOUT)) return m;
        try {
            double p = Double.parseDouble(run.get(RUN_DROPOUT));
            long seed = Long.parseLong(run.getOrDefault(RUN_MODEL_SEED, "0"));
            GptConfig c = g.config;
            Gpt2 rebuilt = new Gpt2(new GptConfig(c.nLayer(), c.nHead(), c.nEmbd(), c.blockSize(), c.vocabSize(), p), seed, device);
            rebuilt.loadStateDict(g.stateDict(), true);
            return rebuilt;
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(dir.resolve(STATE_FILE), "bad " + RUN_DROPOUT + " or " + RUN_MODEL_SEED + ": " + e.getMessage(), e);
        }
    }

    public static TrainerState readState(Path dir) throws IOException { return TrainerState.read(dir.resolve(STATE_FILE)); }

    /**
     * Puts a trainer built on {@link #loadModel}'s model (same config) back where the checkpoint left it: AdamW's
     * moments and step, the trainer's step, best val loss and dropout counters. Mismatches name the file.
     */
    public static TrainerState restore(Path dir, CausalLmTrainer trainer) throws IOException {
        TrainerState state = readState(dir);
        Path file = dir.resolve(OPTIMIZER_FILE);
        if (!Files.isRegularFile(file)) throw new FileFormatException(file, "missing: the checkpoint has no optimizer state");
        try (MemoryScope load = MemoryScope.open()) {                         // the file's tensors die after copying
            Map<String, Tensor> saved = Safetensors.read(file).tensors();
            trainer.optimizer().loadStateDict(saved);
        } catch (FileFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new FileFormatException(file, "cannot restore the optimizer: " + e.getMessage(), e);
        }
        if (trainer.optimizer().stepCount() != state.step())
            throw new FileFormatException(file, "holds AdamW step " + trainer.optimizer().stepCount() + " but "
                    + STATE_FILE + " says step " + state.step() + "; the files come from different saves");
        if (state.batchesDrawn() != (long) state.step() * state.config().gradAccum())
            throw new FileFormatException(dir.resolve(STATE_FILE), "batches_drawn " + state.batchesDrawn()
                    + " does not equal step × grad_accum");
        try {
            trainer.restore(state.step(), state.bestValLoss(), state.dropoutCalls());
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(dir.resolve(STATE_FILE), e.getMessage(), e);
        }
        return state;
    }

    // ================================================================================================ files

    private static boolean isEmptyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return false;
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    static void deleteTree(Path p) throws IOException { AtomicFiles.deleteTree(p); }
}
