package rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import rlhf4j.rlhf.consensus.PreferenceGroup;
import rlhf4j.rlhf.data.PromptSource;
import rlhf4j.transformer.data.DataSets;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Jsonl;
import rlhf4j.rlhf.feedback.Prompt;

/** sample, labels simulate, labels stats and labels pairs: outputs refused or replaced, never appended. */
class StageCommandsTest {
    final ByteArrayOutputStream log = new ByteArrayOutputStream();
    final PrintStream err = new PrintStream(log, true, StandardCharsets.UTF_8);
    final StringWriter out = new StringWriter();

    int run(Callable<Integer> command, String... args) {
        CommandLine cl = new CommandLine(command);
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(out, true));
        return cl.execute(args);
    }

    static byte[] bytes(Path p) throws Exception { return Files.readAllBytes(p); }

    /** 3 prompts x 3 completions from stories260K in dir/data. */
    Path sample(Path dir, String... extra) throws Exception {
        Path prompts = Files.writeString(dir.resolve("prompts.txt"), "Once upon a time\nThe cat\nTom was sad\n");
        List<String> args = new ArrayList<>(List.of("--checkpoint", DataSets.file("stories260k/stories260K.bin").toString(),
                "--prompts", prompts.toString(), "-k", "3", "--max-new-tokens", "10", "--seed", "4", "--out", dir.resolve("data").toString()));
        args.addAll(List.of(extra));
        assertEquals(0, run(new SampleCommand(err), args.toArray(String[]::new)), log::toString);
        return dir.resolve("data");
    }

    @Test void sampleRefusesAnExistingOutputAndReplacesWithOverwrite(@TempDir Path dir) throws Exception {
        Path data = sample(dir);
        byte[] completions = bytes(data.resolve("completions.jsonl")), prompts = bytes(data.resolve("prompts.jsonl"));
        assertEquals(9, Jsonl.read(data.resolve("completions.jsonl"), FeedbackJson.COMPLETION).size());
        // what sample writes is what a prompt source (ppo --prompts) reads: the same ids and texts
        assertEquals(List.of(new Prompt("p1", "Once upon a time"), new Prompt("p2", "The cat"), new Prompt("p3", "Tom was sad")),
                PromptSource.file(data.resolve("prompts.jsonl")).prompts());

        log.reset();
        Path prompts2 = dir.resolve("prompts.txt");
        String[] again = {"--checkpoint", DataSets.file("stories260k/stories260K.bin").toString(), "--prompts", prompts2.toString(),
                "-k", "3", "--max-new-tokens", "10", "--seed", "4", "--out", data.toString()};
        assertNotEquals(0, run(new SampleCommand(err), again));
        assertTrue(log.toString().contains(data.resolve("prompts.jsonl") + " already exists; pass --overwrite to replace it"), log.toString());
        assertArrayEquals(completions, bytes(data.resolve("completions.jsonl")));

        log.reset();
        List<String> overwrite = new ArrayList<>(List.of(again));
        overwrite.add("--overwrite");
        assertEquals(0, run(new SampleCommand(err), overwrite.toArray(String[]::new)), log::toString);
        assertTrue(log.toString().contains("replacing " + data.resolve("completions.jsonl")), log.toString());
        assertArrayEquals(completions, bytes(data.resolve("completions.jsonl")), "same seed, same file, nothing appended");
        assertArrayEquals(prompts, bytes(data.resolve("prompts.jsonl")));

        log.reset();
        assertNotEquals(0, run(new SampleCommand(err), "--checkpoint", "x.bin", "--prompts", "tinystories", "--out", dir.resolve("c.jsonl").toString()));
        assertTrue(log.toString().contains("--out " + dir.resolve("c.jsonl") + ": expected a directory"), log.toString());
    }

    @Test void simulateAndPairsRefuseReruns_OverwriteReplacesWithoutDuplicates(@TempDir Path dir) throws Exception {
        Path data = sample(dir);
        String[] simulate = {"--dir", data.toString(), "--oracle", "oracle:vader", "--criterion", "sentiment", "--temperature", "0.1,1",
                "--random", "1", "--seed", "3"};
        assertEquals(0, run(new LabelsCommand.Simulate(err), simulate), log::toString);
        List<Judgement> first = Jsonl.read(data.resolve("judgements.jsonl"), FeedbackJson.JUDGEMENT);
        assertEquals(9, first.size());                                            // 3 labelers x 3 prompts
        String agreement = Files.readString(data.resolve("agreement.txt"));
        assertTrue(agreement.contains("criterion sentiment: 9 judgements") && Files.exists(data.resolve("agreement.json")), agreement);

        // labels stats reads through the same agreement code: it prints agreement.txt
        assertEquals(0, run(new LabelsCommand.Stats(), data.resolve("judgements.jsonl").toString()), log::toString);
        assertEquals(agreement, out.toString());

        log.reset();
        assertNotEquals(0, run(new LabelsCommand.Simulate(err), simulate));
        assertTrue(log.toString().contains("judgements.jsonl already exists; pass --overwrite to replace it"), log.toString());
        assertEquals(first, Jsonl.read(data.resolve("judgements.jsonl"), FeedbackJson.JUDGEMENT));

        List<String> overwrite = new ArrayList<>(List.of(simulate));
        overwrite.add("--overwrite");
        assertEquals(0, run(new LabelsCommand.Simulate(err), overwrite.toArray(String[]::new)), log::toString);
        List<Judgement> second = Jsonl.read(data.resolve("judgements.jsonl"), FeedbackJson.JUDGEMENT);
        assertEquals(9, second.size());
        for (int i = 0; i < 9; i++) {                                             // the same seed ranks the same way
            assertEquals(first.get(i).labelerId(), second.get(i).labelerId());
            assertEquals(first.get(i).ranking(), second.get(i).ranking());
        }
        assertEquals(agreement, Files.readString(data.resolve("agreement.txt")));

        String[] pairs = {"--dir", data.toString(), "--consensus", "borda"};
        assertEquals(0, run(new LabelsCommand.Pairs(err), pairs), log::toString);
        byte[] groups = bytes(data.resolve("groups.jsonl"));
        List<PreferenceGroup> read = Jsonl.read(data.resolve("groups.jsonl"), PreferenceGroup.JSON);
        assertEquals(3, read.size());                                             // one per prompt
        log.reset();
        assertNotEquals(0, run(new LabelsCommand.Pairs(err), pairs));
        assertTrue(log.toString().contains("groups.jsonl already exists; pass --overwrite"), log.toString());
        assertEquals(0, run(new LabelsCommand.Pairs(err), "--dir", data.toString(), "--consensus", "borda", "--overwrite"), log::toString);
        assertArrayEquals(groups, bytes(data.resolve("groups.jsonl")));
        // one group per judgement into another directory
        assertEquals(0, run(new LabelsCommand.Pairs(err), "--dir", data.toString(), "--out", dir.resolve("per").toString()), log::toString);
        assertTrue(Jsonl.read(dir.resolve("per/groups.jsonl"), PreferenceGroup.JSON).size() > 3);
    }

    @Test void badFlagValuesAreNamed(@TempDir Path dir) throws Exception {
        Path data = sample(dir);
        log.reset();
        assertNotEquals(0, run(new LabelsCommand.Simulate(err), "--dir", data.toString(), "--oracle", "sentiment", "--criterion", "x"));
        assertTrue(log.toString().contains("unknown oracle 'sentiment'; expected vader, afinn"), log.toString());
        assertNotEquals(0, run(new LabelsCommand.Pairs(err), "--dir", data.toString(), "--consensus", "majority"));
        assertTrue(log.toString().contains("unknown consensus 'majority'"), log.toString());
        assertNotEquals(0, run(new LabelsCommand.Stats(), "--method", "median", data.resolve("judgements.jsonl").toString()));
        assertTrue(log.toString().contains("--method median: expected borda or copeland"), log.toString());
        assertNotEquals(0, run(new LabelsCommand.Stats(), data.toString()));
        assertTrue(log.toString().contains(data + ": no such judgements file"), log.toString());
        assertFalse(Files.exists(data.resolve("judgements.jsonl")));
    }

    @Test void helpShowsEveryDefault() {
        for (Object command : List.of(new SampleCommand(), new LabelsCommand.Simulate(), new LabelsCommand.Pairs(), new LabelsCommand.Stats())) {
            CommandLine cl = new CommandLine(command);
            String help = cl.getUsageMessage();
            for (OptionSpec o : cl.getCommandSpec().options()) {
                if (o.defaultValue() == null || o.usageHelp() || o.versionHelp()) continue;
                String shown = String.join(" ", o.description());
                assertTrue(shown.contains("(default: " + o.defaultValue() + ")"), o.longestName() + " of " + cl.getCommandName()
                        + " hides its default: " + shown);
                assertTrue(help.contains("default: " + o.defaultValue()), help);
            }
        }
    }
}
