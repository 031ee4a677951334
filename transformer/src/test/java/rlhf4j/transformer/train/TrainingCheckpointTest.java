package rlhf4j.transformer.train;

import static org.junit.jupiter.api.Assertions.*;
import static rlhf4j.transformer.train.CausalLmTrainerTest.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.Models;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.gpt2.Gpt2;
import rlhf4j.transformer.gpt2.GptConfig;
import rlhf4j.transformer.io.FileFormatException;
import rlhf4j.transformer.data.DataSets;
import rlhf4j.transformer.llama.Llama;
import rlhf4j.transformer.tokenizer.CharTokenizer;
import rlhf4j.transformer.tokenizer.Tokenizer;

class TrainingCheckpointTest {
    static final GptConfig DROPPY = new GptConfig(2, 2, 16, 8, 11, 0.1);
    static final Tokenizer TOK = new CharTokenizer("0123456789x");

    /** N steps straight equal N/2 steps, a save, a fresh process's load, and N/2 more: losses, evals and weights. */
    @Test void resumingRepeatsAStraightRunBitForBit(@TempDir Path dir) throws IOException {
        TrainConfig c = config(6, 2, 0.1);
        CausalLmTrainer straight = trainer(new Gpt2(DROPPY, 1), c);
        List<Double> all = losses(straight, 6);
        Map<String, Double> finalEval = straight.evaluate();

        CausalLmTrainer first = trainer(new Gpt2(DROPPY, 1), c);
        List<Double> firstHalf = losses(first, 3);
        first.evaluate();
        TrainingCheckpoint.save(dir.resolve("ckpt"), first, TOK, Map.of("command", "test",
                TrainingCheckpoint.RUN_DROPOUT, "0.1", TrainingCheckpoint.RUN_MODEL_SEED, "1"));

        Gpt2 fresh = (Gpt2) TrainingCheckpoint.loadForResume(dir.resolve("ckpt"), Device.CPU);
        assertEquals(DROPPY, fresh.config, "dropout comes back from the trainer state");
        CausalLmTrainer second = trainer(fresh, c);
        TrainerState state = TrainingCheckpoint.restore(dir.resolve("ckpt"), second);
        assertEquals(3, state.step());
        assertEquals(6, state.batchesDrawn());
        assertEquals("test", state.run().get("command"));
        assertEquals(first.bestValLoss(), second.bestValLoss());
        assertTrue(state.dropoutCalls().values().stream().anyMatch(n -> n > 0), "dropout counters are saved");
        List<Double> secondHalf = losses(second, 3);

        assertEquals(all.subList(0, 3), firstHalf);
        assertEquals(all.subList(3, 6), secondHalf);
        assertEquals(finalEval, second.evaluate());
        Map<String, float[]> a = weights((Gpt2) straight.model()), b = weights(fresh);
        for (String k : a.keySet()) assertArrayEquals(a.get(k), b.get(k), k);
        assertEquals(TOK.vocabSize(), TokenizerFiles.load(dir.resolve("ckpt")).vocabSize());
    }

    @Test void aGpt2CheckpointIsAHuggingFaceDirectory(@TempDir Path dir) throws IOException {
        CausalLmTrainer t = trainer(new Gpt2(TINY, 1), config(2, 1, 0.1));
        t.trainStep();
        TrainingCheckpoint.save(dir.resolve("out"), t, TOK, Map.of());
        TrainingCheckpoint.save(dir.resolve("out"), t, TOK, Map.of());              // replaces the previous one
        Gpt2 g = Gpt2.fromPretrained(dir.resolve("out"));
        assertInstanceOf(Gpt2.class, Models.load(dir.resolve("out")));
        assertArrayEquals(t.model().stateDict().get("h.1.mlp.c_fc.weight").toFloatArray(),
                g.stateDict().get("h.1.mlp.c_fc.weight").toFloatArray());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("out"), s.map(p -> p.getFileName().toString()).toList(), "no temporary or old directory is left");
        }
        assertTrue(Files.isRegularFile(dir.resolve("out/char_tokenizer.json")));
    }

    @Test void anInterruptedSaveLeavesThePreviousCheckpointReadable(@TempDir Path dir) throws IOException {
        CausalLmTrainer t = trainer(new Gpt2(TINY, 1), config(2, 1, 0.1));
        TrainingCheckpoint.save(dir.resolve("out"), t, TOK, Map.of());
        Files.move(dir.resolve("out"), dir.resolve("out.old"));                     // crashed between the two renames
        assertEquals(dir.resolve("out.old"), TrainingCheckpoint.resolve(dir.resolve("out")));
    }

    @Test void refusesToReplaceADirectoryThatIsNotACheckpoint(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("notes.txt"), "precious");
        CausalLmTrainer t = trainer(new Gpt2(TINY, 1), config(2, 1, 0.1));
        var e = assertThrows(FileFormatException.class, () -> TrainingCheckpoint.save(dir, t, TOK, Map.of()));
        assertTrue(e.getMessage().contains("not a training checkpoint"), e.getMessage());
        assertTrue(Files.exists(dir.resolve("notes.txt")));
    }

    @Test void truncatedOrMismatchedFilesAreErrorsNamingTheFile(@TempDir Path dir) throws IOException {
        CausalLmTrainer t = trainer(new Gpt2(TINY, 1), config(4, 1, 0.1));
        t.trainStep();
        Path ckpt = dir.resolve("ckpt");
        TrainingCheckpoint.save(ckpt, t, TOK, Map.of());

        Path weights = ckpt.resolve("model.safetensors");
        byte[] full = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(full, full.length / 2));
        var e = assertThrows(IOException.class, () -> TrainingCheckpoint.loadModel(ckpt, Device.CPU));
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
        Files.write(weights, full);

        Path opt = ckpt.resolve(TrainingCheckpoint.OPTIMIZER_FILE);
        byte[] optBytes = Files.readAllBytes(opt);
        Files.write(opt, java.util.Arrays.copyOf(optBytes, optBytes.length - 100));
        e = assertThrows(IOException.class, () -> TrainingCheckpoint.restore(ckpt, trainer(new Gpt2(TINY, 1), config(4, 1, 0.1))));
        assertTrue(e.getMessage().contains(TrainingCheckpoint.OPTIMIZER_FILE), e.getMessage());
        Files.write(opt, optBytes);

        CausalLmTrainer wider = trainer(new Gpt2(new GptConfig(2, 2, 32, 8, 11, 0.0), 1), config(4, 1, 0.1));
        e = assertThrows(FileFormatException.class, () -> TrainingCheckpoint.restore(ckpt, wider));
        assertTrue(e.getMessage().contains(TrainingCheckpoint.OPTIMIZER_FILE) && e.getMessage().contains("shape"), e.getMessage());

        CausalLmTrainer noDropout = trainer(new Gpt2(TINY, 1), config(4, 1, 0.1));
        Files.writeString(ckpt.resolve(TrainingCheckpoint.STATE_FILE),
                Files.readString(ckpt.resolve(TrainingCheckpoint.STATE_FILE)).replace("\"step\": 1", "\"step\": 2"));
        e = assertThrows(FileFormatException.class, () -> TrainingCheckpoint.restore(ckpt, noDropout));
        assertTrue(e.getMessage().contains(TrainingCheckpoint.OPTIMIZER_FILE) && e.getMessage().contains("different saves"), e.getMessage());

        Files.writeString(ckpt.resolve(TrainingCheckpoint.STATE_FILE), "{\"step\": 1}");
        e = assertThrows(FileFormatException.class, () -> TrainingCheckpoint.readState(ckpt));
        assertTrue(e.getMessage().contains(TrainingCheckpoint.STATE_FILE) && e.getMessage().contains("config"), e.getMessage());
        Files.delete(ckpt.resolve(TrainingCheckpoint.STATE_FILE));
        e = assertThrows(FileFormatException.class, () -> TrainingCheckpoint.readState(ckpt));
        assertTrue(e.getMessage().contains(TrainingCheckpoint.STATE_FILE), e.getMessage());
    }

    @Test void aLlama2cModelIsSavedAsModelBinAndLoadsBack(@TempDir Path dir) throws IOException {
        Llama m = Llama.fromLlama2c(DataSets.file("stories260k/stories260K.bin"));
        TrainingCheckpoint.saveModel(m, dir);
        assertTrue(Files.isRegularFile(dir.resolve(TrainingCheckpoint.LLAMA2C_FILE)));
        assertEquals(Files.size(DataSets.file("stories260k/stories260K.bin")), Files.size(dir.resolve("model.bin")));
        TransformerModel back = TrainingCheckpoint.loadModel(dir, Device.CPU);
        assertInstanceOf(Llama.class, back);
        var a = m.stateDict();
        var b = back.stateDict();
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), k);
    }
}
