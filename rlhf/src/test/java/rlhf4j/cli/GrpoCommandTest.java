package rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import rlhf4j.transformer.Models;
import rlhf4j.transformer.data.DataSets;
import rlhf4j.transformer.io.LlamaConfig;
import rlhf4j.transformer.llama.Llama;

/** grpo and rloo through the command line, on a tiny random llama2.c model with the stories260K tokenizer. */
class GrpoCommandTest {
    @TempDir Path dir;
    final StringWriter err = new StringWriter();

    int run(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    private String[] common(String command, Path out) throws Exception {
        Path model = dir.resolve("tiny.bin");
        if (!Files.exists(model)) new Llama(LlamaConfig.llama2c(16, 32, 1, 2, 2, 512, 64, true), 3).saveLlama2c(model);
        return new String[]{command, "--policy", model.toString(), "--tokenizer", DataSets.file("stories260k/tok512.bin").toString(),
                "--reward", "oracle:vader", "--prompts", "tinystories", "--max-prompts", "8", "--out", out.toString(),
                "--prompts-per-iteration", "2", "--group-size", "2", "--minibatches", "2", "--epochs", "1", "--max-new-tokens", "6",
                "--checkpoint-every", "1", "--quiet"};
    }

    @Test void grpoTrainsResumesAndWritesWhatPpoWrites() throws Exception {
        Path out = dir.resolve("grpo");
        assertEquals(0, run(concat(common("grpo", out), "--iterations", "2", "--variant", "dr-grpo")), err::toString);
        assertEquals(2, Files.readAllLines(out.resolve("metrics.jsonl")).size());
        assertTrue(Files.exists(out.resolve("report.html")));
        Models.load(out.resolve("policy"));
        JsonObject config = JsonParser.parseString(Files.readString(out.resolve("config.json"))).getAsJsonObject();
        assertEquals("DR_GRPO", config.get("dr-grpo.objective.baseline").getAsString(), config.toString());
        assertEquals(0, run(concat(common("grpo", out), "--iterations", "3", "--variant", "dr-grpo", "--resume")), err::toString);
        assertEquals(3, Files.readAllLines(out.resolve("metrics.jsonl")).size());
    }

    @Test void rlooTrains() throws Exception {
        Path out = dir.resolve("rloo");
        assertEquals(0, run(concat(common("rloo", out), "--iterations", "1")), err::toString);
        JsonObject config = JsonParser.parseString(Files.readString(out.resolve("config.json"))).getAsJsonObject();
        assertEquals("RLOO", config.get("rloo.objective.baseline").getAsString());
        assertEquals(1, Files.readAllLines(out.resolve("metrics.jsonl")).size());
    }

    @Test void badValuesAreUserErrorsNamingTheFlag() throws Exception {
        Path out = dir.resolve("bad");
        assertEquals(2, run(concat(common("grpo", out), "--variant", "ppo")));
        assertTrue(err.toString().contains("--variant ppo"), err::toString);
        assertEquals(2, run(with(common("rloo", out), "--group-size", "1")));
        assertTrue(err.toString().contains("group size 1"), err::toString);
        assertEquals(2, run(with(common("grpo", out), "--minibatches", "3")));
        assertTrue(err.toString().contains("minibatches 3"), err::toString);
        assertEquals(2, run("rloo", "--policy", "nope.bin", "--prompts", "tinystories", "--out", out.toString()));
        assertTrue(err.toString().contains("--reward"), err::toString);
        assertTrue(Files.notExists(out), "nothing written for a rejected command");
    }

    @Test void compareErrorsAreOneLineWithStatusTwo() throws Exception {
        assertEquals(2, run("compare", "--task", "poetry", "--out", dir.resolve("c").toString()));
        assertTrue(err.toString().contains("--task poetry"), err::toString);
        assertEquals(2, run("compare", "--config", dir.resolve("missing.json").toString(), "--out", dir.resolve("c").toString()));
        assertTrue(err.toString().contains("missing.json"), err::toString);
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"pipeline\": \"demo:sentiment\", \"algorithms\": {\"ppo\": [\"high\"]}}");
        assertEquals(2, run("compare", "--config", bad.toString(), "--out", dir.resolve("c").toString()));
        assertTrue(err.toString().contains("field 'algorithms.ppo'"), err::toString);
        assertTrue(Files.notExists(dir.resolve("c")), "nothing written for a rejected config");
    }

    /** The arguments with one flag's value replaced. */
    private static String[] with(String[] args, String flag, String value) {
        String[] out = args.clone();
        for (int i = 0; i < out.length - 1; i++) if (out[i].equals(flag)) out[i + 1] = value;
        return out;
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
