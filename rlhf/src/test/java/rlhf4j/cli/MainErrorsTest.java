package rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import rlhf4j.transformer.data.DataSets;

/** User errors are one line and exit status 2; --verbose adds the trace; a bug is a trace and exit status 1. */
class MainErrorsTest {
    @TempDir Path dir;

    record Run(int code, String err) {
        String[] lines() { return err.lines().toArray(String[]::new); }
    }

    static Run run(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err, true));
        return new Run(cl.execute(args), err.toString());
    }

    static String[] verbose(String... args) {
        return Stream.concat(Stream.of(args), Stream.of("--verbose")).toArray(String[]::new);
    }

    /** Exactly one line on stderr and status 2; with --verbose, the same line then the trace through rlhf4j code. */
    static String assertOneLineUserError(String... args) {
        Run r = run(args);
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.lines().length, r.err());
        Run v = run(verbose(args));
        assertEquals(2, v.code(), v.err());
        assertEquals(r.lines()[0], v.lines()[0]);
        assertTrue(v.err().contains("\tat rlhf4j."), v.err());
        return r.lines()[0];
    }

    @AfterEach void clearDataDir() { DataSets.useDataDir(null); }

    @Test void aMissingFeedbackDirectoryNamesTheFile() {
        String line = assertOneLineUserError("reward", "train", "--dir", dir.resolve("nonexistent").toString(), "--scratch",
                "--out", dir.resolve("rm").toString());
        assertTrue(line.startsWith("rlhf4j reward train: " + dir.resolve("nonexistent/prompts.jsonl")), line);
    }

    @Test void aMissingPromptsFileNamesIt() {
        String line = assertOneLineUserError("labels", "pairs", "--dir", dir.toString(), "--out", dir.resolve("g").toString());
        assertEquals("rlhf4j labels pairs: no such file: " + dir.resolve("prompts.jsonl"), line);
    }

    @Test void aMalformedJsonlLineNamesFileAndLine() throws IOException {
        Path file = dir.resolve("judgements.jsonl");
        Files.writeString(file, """
                {"labeler":"a","criterion":"c","prompt_id":"p1","ranking":[["p1-c1"],["p1-c2"]]}
                {"labeler":"b","criterion":"c","prompt_id":
                """);
        String line = assertOneLineUserError("labels", "stats", file.toString());
        assertTrue(line.startsWith("rlhf4j labels stats: " + file + ":2: "), line);
    }

    @Test void anUnknownFlagIsOneLineWithAPointerToHelp() {
        Run r = run("labels", "stats", "--nope", "x.jsonl");
        assertEquals(2, r.code());
        assertEquals("rlhf4j labels stats: Unknown option: '--nope'; see 'rlhf4j labels stats --help'", r.err().strip());
        Run typo = run("labels", "stats", "--lenien", "x.jsonl");
        assertEquals(1, typo.lines().length, typo.err());
        assertTrue(typo.err().contains("did you mean --lenient?"), typo.err());
        Run badNumber = run("labels", "stats", "--threshold", "high", "x.jsonl");
        assertEquals(2, badNumber.code());
        assertEquals(1, badNumber.lines().length, badNumber.err());
        assertTrue(badNumber.err().contains("--threshold") && badNumber.err().contains("'high'"), badNumber.err());
    }

    @Test void anUnknownOracleListsTheChoices() {
        String line = assertOneLineUserError("labels", "simulate", "--dir", dir.toString(), "--oracle", "nope",
                "--criterion", "c");
        assertTrue(line.startsWith("rlhf4j labels simulate: unknown oracle 'nope'; expected vader, afinn"), line);
    }

    @Test void aBadValueNamesTheFlag() {
        String line = assertOneLineUserError("sample", "--checkpoint", "m.bin", "--prompts", "p.txt", "--out",
                dir.resolve("o").toString(), "-k", "0");
        assertEquals("rlhf4j sample: -k 0 must be >= 1", line);
        // --verbose is accepted before the subcommand too
        Run v = run("--verbose", "sample", "--checkpoint", "m.bin", "--prompts", "p.txt", "--out", "o", "-k", "0");
        assertEquals(2, v.code());
        assertTrue(v.err().contains("\tat rlhf4j.cli.SampleCommand.call"), v.err());
    }

    @Test void dataDirIsUsedBeforeTheSubcommandRuns() throws IOException {
        Path lexicon = Files.createDirectories(dir.resolve("data/lexicons")).resolve("afinn-165.tsv");
        Files.writeString(lexicon, "good 3\n");  // no TAB: the run must stop on this file, not on shared/data's
        String line = assertOneLineUserError("labels", "simulate", "--data-dir", dir.resolve("data").toString(),
                "--dir", dir.toString(), "--oracle", "afinn", "--criterion", "c");
        assertTrue(line.startsWith("rlhf4j labels simulate: " + lexicon + ":1: expected word TAB score"), line);
        Run missing = run("--data-dir", dir.resolve("absent").toString(), "labels", "stats", "x.jsonl");
        assertEquals(2, missing.code());
        assertEquals("rlhf4j labels stats: --data-dir " + dir.resolve("absent") + ": no such folder; see 'rlhf4j labels stats --help'",
                missing.err().strip());
    }

    @Command(name = "boom")
    static final class Boom implements Callable<Integer> {
        RuntimeException toThrow;

        @Override public Integer call() { throw toThrow; }
    }

    static Run runBoom(RuntimeException e, String... args) {
        Boom boom = new Boom();
        boom.toThrow = e;
        CommandLine cl = new CommandLine(boom).addSubcommand(new CommandLine.HelpCommand());
        cl.getCommandSpec().addOption(CommandLine.Model.OptionSpec.builder("--verbose").build());
        cl.setExecutionExceptionHandler(CliErrors::handleExecutionException);
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        return new Run(cl.execute(args), err.toString());
    }

    @Test void aBugIsATraceAndStatusOne() {
        Run r = runBoom(new NullPointerException("oops"));
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("boom: internal error"), r.err());
        assertTrue(r.err().contains("java.lang.NullPointerException: oops") && r.err().contains("\tat "), r.err());
    }

    @Test void userErrorsAreFoundAnywhereInTheCauseChain() {
        Run r = runBoom(new IllegalStateException("wrapped", new UncheckedIOException(new NoSuchFileException("/x/y.bin"))));
        assertEquals(2, r.code());
        assertEquals("boom: no such file: /x/y.bin", r.err().strip());
        Run v = runBoom(new IllegalArgumentException("line one\nline two"), "--verbose");
        assertEquals(2, v.code());
        assertEquals("boom: line one line two", v.lines()[0]);
        assertTrue(v.err().contains("\tat "), v.err());
        assertFalse(runBoom(new IllegalStateException("plain")).err().startsWith("boom: plain"));
    }
}
