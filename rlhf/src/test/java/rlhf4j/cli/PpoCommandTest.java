package rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import rlhf4j.transformer.data.DataSets;
import rlhf4j.transformer.Models;
import rlhf4j.transformer.io.LlamaConfig;
import rlhf4j.transformer.llama.Llama;

/** ppo, eval and report through the command line, on a tiny random llama2.c model with the stories260K tokenizer. */
class PpoCommandTest {
    @TempDir Path dir;
    final StringWriter err = new StringWriter();

    int run(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test void trainsResumesEvaluatesAndReports() throws Exception {
        Path model = dir.resolve("tiny.bin"), run = dir.resolve("run");
        new Llama(LlamaConfig.llama2c(16, 32, 1, 2, 2, 512, 64, true), 3).saveLlama2c(model);
        String tok = DataSets.file("stories260k/tok512.bin").toString();
        String[] common = {"ppo", "--policy", model.toString(), "--tokenizer", tok, "--reward", "oracle:vader", "--prompts", "tinystories",
                "--max-prompts", "8", "--out", run.toString(), "--batch-size", "4", "--minibatches", "2", "--ppo-epochs", "1",
                "--max-new-tokens", "6", "--checkpoint-every", "1", "--quiet"};
        assertEquals(0, run(concat(common, "--iterations", "2")), err::toString);
        assertEquals(2, Files.readAllLines(run.resolve("metrics.jsonl")).size());
        assertEquals(3, Files.readAllLines(run.resolve("metrics.csv")).size());
        assertTrue(Files.exists(run.resolve("report.html")));
        assertInstanceOf(Llama.class, Models.load(run.resolve("policy")));          // the trained policy, any family
        // the same directory without --resume is refused, naming the flag; with it, training continues to 3 iterations
        assertNotEquals(0, run(concat(common, "--iterations", "3")));
        assertTrue(err.toString().contains("--overwrite"), err::toString);
        assertEquals(0, run(concat(common, "--iterations", "3", "--resume")), err::toString);
        assertEquals(3, Files.readAllLines(run.resolve("metrics.jsonl")).size());
        assertEquals(3, summary(run).get("iterations").getAsInt());

        Path eval = dir.resolve("eval"), report = dir.resolve("report");
        assertEquals(0, run("eval", "--policy", model.toString(), "--trained", run.toString(), "--tokenizer", tok, "--reward", "oracle:vader",
                "--gold", "oracle:afinn", "--prompts", "tinystories", "--skip-prompts", "8", "--max-prompts", "4", "--max-new-tokens", "6",
                "--out", eval.toString(), "--quiet"), err::toString);
        JsonObject result = JsonParser.parseString(Files.readString(eval.resolve("result.json"))).getAsJsonObject();
        assertEquals(4, result.getAsJsonArray("samples").size());
        assertTrue(result.has("win_rate") || result.has("winRate"), result.keySet().toString());
        assertEquals(0, run("report", "--ppo", run.toString(), "--eval", eval.toString(), "--out", report.toString(), "--quiet"), err::toString);
        JsonObject s = summary(report);
        assertFalse(s.get("gold_after").isJsonNull(), s.toString());
        assertEquals(result.getAsJsonObject("trained").getAsJsonObject("gold").get("mean").getAsDouble(), s.get("gold_after").getAsDouble(), 0);
    }

    @Test void maxKlStopsARunThatDriftsTooFar() throws Exception {
        Path model = dir.resolve("tiny.bin"), run = dir.resolve("run");
        new Llama(LlamaConfig.llama2c(16, 32, 1, 2, 2, 512, 64, true), 3).saveLlama2c(model);
        String[] args = {"ppo", "--policy", model.toString(), "--tokenizer", DataSets.file("stories260k/tok512.bin").toString(),
                "--reward", "oracle:vader", "--prompts", "tinystories", "--max-prompts", "8", "--out", run.toString(),
                "--batch-size", "4", "--minibatches", "1", "--ppo-epochs", "4", "--lr", "0.05", "--max-new-tokens", "6",
                "--iterations", "4", "--max-kl", "0.2", "--quiet"};
        assertEquals(3, run(args), () -> err + " " + readOrEmpty(run.resolve("metrics.jsonl")));   // training stopped
        assertFalse(Files.exists(run.resolve("policy")), "a collapsed run saves no policy");
        // the same run under the default limit (100 nats) trains to the end: the flag is what stopped it
        args[java.util.Arrays.asList(args).indexOf("--max-kl") + 1] = "100";
        args[java.util.Arrays.asList(args).indexOf("--out") + 1] = dir.resolve("run2").toString();
        assertEquals(0, run(args), err::toString);
        assertTrue(Files.exists(dir.resolve("run2/policy")));
    }

    private static String readOrEmpty(Path p) {
        try { return Files.readString(p); } catch (java.io.IOException e) { return ""; }
    }

    private static JsonObject summary(Path dir) throws Exception {
        return JsonParser.parseString(Files.readString(dir.resolve("summary.json"))).getAsJsonObject();
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
