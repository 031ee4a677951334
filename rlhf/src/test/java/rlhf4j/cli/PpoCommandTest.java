package rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import rlhf4j.transformer.data.DataSets;
import rlhf4j.transformer.io.LlamaConfig;
import rlhf4j.transformer.llama.Llama;

/** ppo then eval through the command line, on a tiny random llama2.c model with the stories260K tokenizer. */
class PpoCommandTest {
    @TempDir Path dir;

    @Test void trainsResumesAndEvaluates() throws Exception {
        Path model = dir.resolve("tiny.bin"), run = dir.resolve("run");
        new Llama(LlamaConfig.llama2c(16, 32, 1, 2, 2, 512, 64, true), 3).saveLlama2c(model);
        String tok = DataSets.file("stories260k/tok512.bin").toString();
        String[] common = {"--policy", model.toString(), "--tokenizer", tok, "--reward", "oracle:vader", "--prompts", "tinystories",
                "--max-prompts", "8", "--out", run.toString(), "--batch-size", "4", "--minibatches", "2", "--ppo-epochs", "1",
                "--max-new-tokens", "6", "--checkpoint-every", "1", "--report-prompts", "4", "--quiet"};
        assertEquals(0, ppo(concat(common, "--iterations", "2")));
        assertEquals(2, Files.readAllLines(run.resolve("metrics.jsonl")).size());
        assertEquals(3, Files.readAllLines(run.resolve("metrics.csv")).size());
        assertTrue(Files.exists(run.resolve("report.html")) && Files.exists(run.resolve("policy/config.json")));
        // the same directory without --resume is refused; with it, training continues to 3 iterations
        assertNotEquals(0, ppo(concat(common, "--iterations", "3")));
        assertEquals(0, ppo(concat(common, "--iterations", "3", "--resume")));
        assertEquals(3, Files.readAllLines(run.resolve("metrics.jsonl")).size());
        assertTrue(Files.readString(run.resolve("summary.json")).contains("\"iterations\": 3"));

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new CommandLine(new EvalCommand(new PrintStream(err))).execute("--policy", model.toString(), "--trained", run.toString(),
                "--tokenizer", tok, "--reward", "oracle:vader", "--gold", "oracle:afinn", "--prompts", "tinystories", "--skip-prompts", "8",
                "--max-prompts", "4", "--max-new-tokens", "6", "--out", run.toString(), "--fleiss-kappa", "0.41");
        assertEquals(0, code, err.toString());
        String summary = Files.readString(run.resolve("summary.json"));
        assertTrue(summary.contains("\"fleiss_kappa\": 0.41") && !summary.contains("\"gold_after\": null"), summary);
        assertTrue(Files.readString(run.resolve("eval.json")).contains("win_rate"));
        assertEquals(4, Files.readAllLines(run.resolve("eval_samples.jsonl")).size());
    }

    @Test void optionDefaultsAreThoseOfPpoConfigDefaults() {
        PpoCommand cmd = new PpoCommand(new PrintStream(new ByteArrayOutputStream()));
        new CommandLine(cmd).parseArgs("--policy", "p.bin", "--reward", "oracle:vader", "--prompts", "tinystories", "--out", "run");
        assertEquals(rlhf4j.rlhf.ppo.PpoConfig.defaults(), cmd.config());
    }

    private static int ppo(String... args) {
        return new CommandLine(new PpoCommand(new PrintStream(new ByteArrayOutputStream()))).execute(args);
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
