package rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.Models;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.gpt2.Gpt2;
import rlhf4j.transformer.llama.Llama;
import rlhf4j.transformer.tokenizer.CharTokenizer;
import rlhf4j.transformer.train.TokenizerFiles;
import rlhf4j.transformer.train.TrainerState;
import rlhf4j.transformer.train.TrainingCheckpoint;

class TrainCommandsTest {
    final ByteArrayOutputStream log = new ByteArrayOutputStream();

    /** Runs a command; returns its exit code (its stderr collects in log). */
    int run(Callable<Integer> command, String... args) {
        CommandLine cl = new CommandLine(command);
        PrintStream err = new PrintStream(log, true, StandardCharsets.UTF_8);
        cl.setErr(new java.io.PrintWriter(err, true));
        return cl.execute(args);
    }

    PretrainCommand pretrain() { return new PretrainCommand(new PrintStream(log, true, StandardCharsets.UTF_8)); }

    SftCommand sft() { return new SftCommand(new PrintStream(log, true, StandardCharsets.UTF_8)); }

    static Path corpus(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 60; i++) sb.append("To be, or not to be: that is the question.\n");
        return Files.writeString(dir.resolve("corpus.txt"), sb.toString());
    }

    static String[] tinyModel(Path data, Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("--data", data.toString(), "--out", out.toString(), "--n-layer", "1",
                "--n-head", "2", "--n-embd", "16", "--block-size", "16", "--batch-size", "4", "--iters", "6", "--warmup", "2",
                "--eval-interval", "3", "--eval-iters", "2", "--dropout", "0.1"));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    @Test void pretrainWritesALoadableGpt2CheckpointAndResumesExactly(@TempDir Path dir) throws IOException {
        Path data = corpus(dir);
        assertEquals(0, run(pretrain(), tinyModel(data, dir.resolve("straight"))), log::toString);
        TransformerModel m = Models.load(dir.resolve("straight"));
        assertInstanceOf(Gpt2.class, m);
        assertEquals(((CharTokenizer) TokenizerFiles.load(dir.resolve("straight"))).vocabSize(), m.vocabSize());
        TrainerState s = TrainingCheckpoint.readState(dir.resolve("straight"));
        assertEquals(6, s.step());
        assertTrue(Double.isFinite(s.bestValLoss()));
        assertTrue(log.toString().contains("step 6: train loss"), log.toString());

        assertEquals(0, run(pretrain(), tinyModel(data, dir.resolve("split"), "--stop-after", "3")), log::toString);
        assertEquals(3, TrainingCheckpoint.readState(dir.resolve("split")).step());
        assertEquals(0, run(pretrain(), "--resume", dir.resolve("split").toString()), log::toString);
        assertEquals(6, TrainingCheckpoint.readState(dir.resolve("split")).step());
        // 3 + resume + 3 steps = 6 steps. Bit for bit in separate processes and in TrainingCheckpointTest; here, in a
        // JVM that other tests warmed up, the vector kernels' exp/tanh lanes can change in the last bit when the JIT
        // compiles them mid-run (they do not with -XX:-UseVectorStubs), so this compares to float rounding.
        Gpt2 straight = Gpt2.fromPretrained(dir.resolve("straight")), split = Gpt2.fromPretrained(dir.resolve("split"));
        for (var e : straight.stateDict().entrySet())
            assertArrayEquals(e.getValue().toFloatArray(), split.stateDict().get(e.getKey()).toFloatArray(), 1e-5f, e.getKey());
    }

    @Test void resumeChecksTheData(@TempDir Path dir) throws IOException {
        Path data = corpus(dir);
        assertEquals(0, run(pretrain(), tinyModel(data, dir.resolve("a"), "--stop-after", "1")), log::toString);
        Path other = Files.writeString(dir.resolve("other.txt"), Files.readString(data) + "To be.\n");
        assertNotEquals(0, run(pretrain(), "--resume", dir.resolve("a").toString(), "--data", other.toString()));
        assertTrue(log.toString().contains("resume with the same data"), log.toString());
    }

    static Path shared(String relative) { return GenerateCommandTest.shared(relative); }

    @Test void sftFineTunesStories260kAndSavesALlama2cCheckpoint(@TempDir Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        String[] names = {"Lily", "Tom", "Sue", "Max", "Ben", "Amy", "Tim", "Mia", "Sam", "Zoe"};
        for (String n : names)
            sb.append("{\"prompt\": \"Once upon a time, ").append(n).append("\", \"response\": \"went to the park.\"}\n");
        Path data = Files.writeString(dir.resolve("pairs.jsonl"), sb.toString());
        Path out = dir.resolve("sft");
        assertEquals(0, run(sft(), "--data", data.toString(), "--init", shared("stories260k/stories260K.bin").toString(),
                "--tokenizer", shared("stories260k/tok512.bin").toString(), "--out", out.toString(), "--iters", "4",
                "--warmup", "1", "--lr", "1e-3", "--batch-size", "3", "--eval-interval", "2", "--eval-iters", "1"), log::toString);
        assertTrue(log.toString().contains("9 training and 1 validation pairs"), log.toString());
        TransformerModel m = TrainingCheckpoint.loadModel(out, Device.CPU);
        assertInstanceOf(Llama.class, m);
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.bin")));
        Llama before = Llama.fromLlama2c(shared("stories260k/stories260K.bin"));
        assertFalse(java.util.Arrays.equals(before.stateDict().get("model.norm.weight").toFloatArray(),
                m.stateDict().get("model.norm.weight").toFloatArray()), "the weights moved");
        assertEquals(4, TrainingCheckpoint.readState(out).step());
    }

    @Test void sftFineTunesAGpt2DirectoryWithItsBpeTokenizer(@TempDir Path dir) throws IOException {
        Path base = dir.resolve("base");
        assertEquals(0, run(pretrain(), "--data", corpus(dir).toString(), "--out", base.toString(), "--tokenizer", "bpe:300",
                "--n-layer", "1", "--n-head", "2", "--n-embd", "16", "--block-size", "32", "--batch-size", "2", "--iters", "2",
                "--warmup", "1", "--eval-iters", "1"), log::toString);
        assertTrue(Files.isRegularFile(base.resolve("vocab.json")) && Files.isRegularFile(base.resolve("merges.txt")));
        Path data = Files.writeString(dir.resolve("pairs.jsonl"), """
                {"prompt": "To be, or not", "response": " to be"}
                {"prompt": "that is", "response": " the question."}
                {"prompt": "To be", "response": ", or not to be"}
                """);
        Path val = Files.writeString(dir.resolve("val.jsonl"), "{\"prompt\": \"To be,\", \"response\": \" or not\"}\n");
        Path out = dir.resolve("sft");
        assertEquals(0, run(sft(), "--data", data.toString(), "--val-data", val.toString(), "--init", base.toString(),
                "--out", out.toString(), "--iters", "3", "--warmup", "1", "--batch-size", "2", "--eval-iters", "1"), log::toString);
        assertInstanceOf(Gpt2.class, Models.load(out));
        assertTrue(log.toString().contains("3 training and 1 validation pairs"), log.toString());
        assertTrue(Double.isFinite(TrainingCheckpoint.readState(out).bestValLoss()));
    }

    @Test void sftNamesTheMalformedLine(@TempDir Path dir) throws IOException {
        Path data = Files.writeString(dir.resolve("pairs.jsonl"), "{\"prompt\": \"a\", \"response\": \"b\"}\n{\"prompt\": \"a\"}\n");
        assertNotEquals(0, run(sft(), "--data", data.toString(), "--init", shared("stories260k/stories260K.bin").toString(),
                "--tokenizer", shared("stories260k/tok512.bin").toString(), "--out", dir.resolve("o").toString()));
        assertTrue(log.toString().contains("pairs.jsonl") && log.toString().contains("line 2"), log.toString());
    }
}
