package rlhf4j.rlhf.reward;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import rlhf4j.cli.Main;
import rlhf4j.rlhf.consensus.PreferenceGroup;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.rlhf.feedback.Jsonl;
import rlhf4j.rlhf.feedback.JsonlWriter;
import rlhf4j.tensor.Device;

/** The sample, reward and classifier commands: argument errors name the file, and a small run end to end. */
class CommandsTest {
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cmd = new CommandLine(new Main());
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static Path shared(String relative) {
        return rlhf4j.transformer.data.DataSets.file(relative);
    }

    @Test void missingFilesAreNamed(@TempDir Path dir) {
        String missing = dir.resolve("no-such-pairs.jsonl").toString();
        Run r = run("reward", "train", "--pairs", missing, "--scratch", "--out", dir.resolve("rm").toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains(missing), r.err());

        r = run("reward", "score", "--model", dir.resolve("no-model").toString(), "--in", missing);
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains(missing), r.err());

        r = run("classifier", "train", "--data", dir.resolve("labels.tsv").toString(), "--scratch", "--out", dir.resolve("c").toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains(dir.resolve("labels.tsv").toString()), r.err());

        String prompts = dir.resolve("prompts.txt").toString();
        r = run("sample", "--checkpoint", shared("stories260k/stories260K.bin").toString(), "--tokenizer",
                shared("stories260k/tok512.bin").toString(), "--prompts", prompts, "-k", "2", "--out", dir.resolve("o").toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains(prompts), r.err());

        // --pairs and --dir exclude each other; --init or --scratch is needed
        r = run("reward", "train", "--pairs", missing, "--dir", dir.toString(), "--scratch", "--out", dir.toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("mutually exclusive"), r.err());
    }

    @Test void sampleIsSeededAndIndependentOfTheBatchSize(@TempDir Path dir) throws Exception {
        Path prompts = dir.resolve("prompts.txt");
        Files.writeString(prompts, "Once upon a time\n\nThe cat\n", StandardCharsets.UTF_8);
        String[] base = {"sample", "--checkpoint", shared("stories260k/stories260K.bin").toString(), "--tokenizer",
                shared("stories260k/tok512.bin").toString(), "--prompts", prompts.toString(), "-k", "3",
                "--max-new-tokens", "12", "--temperature", "1.5", "--seed", "5"};
        List<String> a = new ArrayList<>(List.of(base)), b = new ArrayList<>(List.of(base));
        a.addAll(List.of("--batch-size", "6", "--out", dir.resolve("a").toString()));
        b.addAll(List.of("--batch-size", "2", "--out", dir.resolve("b").toString()));
        assertEquals(0, run(a.toArray(String[]::new)).code());
        assertEquals(0, run(b.toArray(String[]::new)).code());
        List<Completion> ca = Jsonl.read(dir.resolve("a/completions.jsonl"), FeedbackJson.COMPLETION);
        List<Completion> cb = Jsonl.read(dir.resolve("b/completions.jsonl"), FeedbackJson.COMPLETION);
        assertEquals(6, ca.size());
        assertEquals(ca, cb);
        assertEquals(2, Jsonl.read(dir.resolve("a/prompts.jsonl"), FeedbackJson.PROMPT).size());
        assertEquals("p2", ca.get(3).promptId());                    // the second prompt (the blank line is skipped)
        assertEquals(1.5, ca.getFirst().sampling().temperature(), 0);
        assertTrue(ca.getFirst().tokenIds().length > 0);
        assertTrue(ca.stream().map(Completion::text).distinct().count() > 2, "samples should differ: " + ca);
    }

    @Test void rewardTrainAndScoreEndToEnd(@TempDir Path dir) throws Exception {
        Path pairs = dir.resolve("groups.jsonl");
        try (var w = JsonlWriter.append(pairs, PreferenceGroup.JSON)) {
            for (PreferenceGroup g : RewardModelTest.groups(40, 7)) w.write(g);
        }
        Path out = dir.resolve("rm");
        Run r = run("reward", "train", "--pairs", pairs.toString(), "--scratch", "--layers", "1", "--heads", "2", "--width", "16",
                "--context", "32", "--bpe-vocab", "270", "--max-length", "32", "--epochs", "1", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        RewardModel m = RewardModel.load(out, Device.CPU);
        assertNotNull(m.normalization());
        Path texts = dir.resolve("texts.txt");
        Files.writeString(texts, "abx\nabcd\n", StandardCharsets.UTF_8);
        Run s = run("reward", "score", "--model", out.toString(), "--in", texts.toString());
        assertEquals(0, s.code(), s.err());
        String[] lines = s.out().strip().split("\n");
        assertEquals(2, lines.length);
        assertEquals(m.score("abx"), Double.parseDouble(lines[0]), 1e-3);
    }
}
