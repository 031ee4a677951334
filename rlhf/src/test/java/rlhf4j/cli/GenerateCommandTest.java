package rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class GenerateCommandTest {
    /** What llama2.c's run.c prints for {@code run stories260K.bin -z tok512.bin -t 0 -n 200}. */
    static final String RUN_C_GREEDY_200 = """
            Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw \
            a big, red ball. She wanted to play with it, but it was too high.
            Lily's mom said, "Lily, let's go to the park." Lily was sad and didn't know what to do. She said, "I want to \
            play with your ball, but I can't find it."
            Lily was sad and didn't know what to do. She said, "I'm sorry, Lily. I didn't know what to do."
            Lily didn't want to help her mom, so she
            """;

    static Path shared(String relative) {
        return rlhf4j.transformer.data.DataSets.file(relative);
    }

    static String[] args(String... extra) {
        String[] base = {"--checkpoint", shared("stories260k/stories260K.bin").toString(),
                "--tokenizer", shared("stories260k/tok512.bin").toString()};
        String[] all = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return all;
    }

    static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test void greedyStoriesPrintsWhatRunCPrints() {
        assertEquals(RUN_C_GREEDY_200, GenerateCommand.run(args("--temperature", "0", "--steps", "200")));
    }

    @Test void aPromptIsPrintedAndContinued() {
        String out = GenerateCommand.run(args("--prompt", "Once upon a time, there was a little girl named Lily.",
                "--temperature", "0", "--steps", "40"));
        assertTrue(out.startsWith("Once upon a time, there was a little girl named Lily. She loved to play"), out);
        // sampling is reproducible from its seed
        String a = GenerateCommand.run(args("--temperature", "0.9", "--top-k", "40", "--seed", "7", "--steps", "60"));
        assertEquals(a, GenerateCommand.run(args("--temperature", "0.9", "--top-k", "40", "--seed", "7", "--steps", "60")));
        assertNotEquals(a, GenerateCommand.run(args("--temperature", "0.9", "--top-k", "40", "--seed", "8", "--steps", "60")));
    }

    @Test void aPromptLongerThanTheContextIsAClearError() {
        String longPrompt = "Lily and Tom played in the big green park. ".repeat(60);
        java.io.StringWriter err = new java.io.StringWriter();
        CommandLine cl = Main.commandLine();                       // the CLI's own error handling, as users get it
        cl.setErr(new java.io.PrintWriter(err, true));
        String[] generate = {"generate"};
        assertEquals(2, cl.execute(concat(generate, args("--prompt", longPrompt, "--temperature", "0"))));
        String msg = err.toString();
        assertTrue(msg.startsWith("rlhf4j generate: ") && msg.contains("longer than the context length 512")
                && msg.contains("stories260K.bin") && msg.lines().count() == 1, msg);
        err.getBuffer().setLength(0);
        assertEquals(2, cl.execute("generate", "--checkpoint", "no-such.bin", "--tokenizer", "t.bin"));
        assertTrue(err.toString().contains("no-such.bin") && err.toString().lines().count() == 1, err.toString());
    }

    @Test void gpt2DirectoryWithItsTokenizer(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        var tok = rlhf4j.transformer.tokenizer.BpeTrainer.train("hello world, the quick brown fox jumps over the lazy dog. ".repeat(20),
                300, java.util.List.of("<|endoftext|>"));
        tok.save(dir.resolve("vocab.json"), dir.resolve("merges.txt"));
        new rlhf4j.transformer.gpt2.Gpt2(new rlhf4j.transformer.gpt2.GptConfig(2, 2, 16, 32, tok.vocabSize(), 0), 3).save(dir);
        String[] greedy = {"--checkpoint", dir.toString(), "--prompt", "hello world", "--temperature", "0", "--steps", "12"};
        String out = GenerateCommand.run(greedy);
        assertTrue(out.startsWith("hello world") && out.endsWith("\n"), out);
        assertEquals(out, GenerateCommand.run(greedy));
        // the text after the prompt is the model's own greedy continuation
        int[] prompt = tok.encode("hello world", false);
        var model = rlhf4j.transformer.Models.load(dir);
        var g = new rlhf4j.transformer.generate.Generator(model).generate(new int[][]{prompt},
                rlhf4j.transformer.generate.SamplingConfig.greedy(12 - prompt.length + 1, tok.eosId()), 0);
        int[] gen = g.tokens()[0];
        if (gen.length > 0 && gen[gen.length - 1] == tok.eosId()) gen = java.util.Arrays.copyOf(gen, gen.length - 1);
        assertEquals("hello world" + new String(tok.decodeBytes(gen), java.nio.charset.StandardCharsets.UTF_8) + "\n", out);
    }

    @Test void registeredInMain() {
        assertTrue(new CommandLine(new Main()).getSubcommands().containsKey("generate"));
    }
}
