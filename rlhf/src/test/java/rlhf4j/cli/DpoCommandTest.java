package rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import rlhf4j.rlhf.consensus.PreferenceGroup;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.JsonlWriter;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.transformer.Models;
import rlhf4j.transformer.data.DataSets;
import rlhf4j.transformer.io.LlamaConfig;
import rlhf4j.transformer.llama.Llama;

/** dpo through the command line: a tiny llama2.c model with the stories260K tokenizer, a groups file, resume, errors. */
class DpoCommandTest {
    @TempDir Path dir;
    final StringWriter err = new StringWriter();

    int run(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    Path groups() throws Exception {
        List<PreferenceGroup> gs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Prompt p = new Prompt("p" + i, "Once upon a time " + i);
            gs.add(new PreferenceGroup("test", "sentiment", p, List.of(new Completion("p" + i + "-a", p.id(), " she was happy."),
                    new Completion("p" + i + "-b", p.id(), " he was sad and cried.")), List.of(new PreferenceGroup.IndexPair(0, 1))));
        }
        Path f = dir.resolve("groups.jsonl");
        JsonlWriter.writeAll(f, PreferenceGroup.JSON, gs);
        return f;
    }

    @Test void trainsResumesAndWritesThePolicy() throws Exception {
        Path model = dir.resolve("tiny.bin"), out = dir.resolve("run");
        new Llama(LlamaConfig.llama2c(16, 32, 1, 2, 2, 512, 64, true), 3).saveLlama2c(model);
        String tok = DataSets.file("stories260k/tok512.bin").toString();
        String[] common = {"dpo", "--policy", model.toString(), "--tokenizer", tok, "--pairs", groups().toString(), "--out", out.toString(),
                "--groups-per-batch", "2", "--lr", "1e-2", "--beta", "0.5", "--checkpoint-every", "1", "--quiet"};
        assertEquals(0, run(concat(common, "--epochs", "1")), err::toString);
        assertEquals(3, Files.readAllLines(out.resolve("metrics.jsonl")).size());
        assertInstanceOf(Llama.class, Models.load(out.resolve("policy")));
        JsonObject first = JsonParser.parseString(Files.readAllLines(out.resolve("metrics.jsonl")).getFirst()).getAsJsonObject();
        assertEquals(Math.log(2), first.get("loss").getAsDouble(), 1e-6);
        assertNotEquals(0, run(concat(common, "--epochs", "2")));
        assertTrue(err.toString().contains("--overwrite"), err::toString);
        assertEquals(0, run(concat(common, "--epochs", "2", "--resume")), err::toString);
        assertEquals(6, Files.readAllLines(out.resolve("metrics.jsonl")).size());
        JsonObject s = JsonParser.parseString(Files.readString(out.resolve("summary.json"))).getAsJsonObject();
        assertEquals(6, s.get("iterations").getAsInt());
        assertTrue(s.getAsJsonObject("last_epoch").get("rewards/margins").getAsDouble() > 0, s.toString());

        // the same two epochs without a stop: the same weights and the same logged numbers, bit for bit
        Path straight = dir.resolve("straight");
        String[] again = common.clone();
        again[java.util.Arrays.asList(common).indexOf("--out") + 1] = straight.toString();
        assertEquals(0, run(concat(again, "--epochs", "2")), err::toString);
        assertArrayEquals(Files.readAllBytes(straight.resolve("policy/model.safetensors")), Files.readAllBytes(out.resolve("policy/model.safetensors")));
        List<String> a = Files.readAllLines(straight.resolve("metrics.jsonl")), b = Files.readAllLines(out.resolve("metrics.jsonl"));
        for (int i = 0; i < a.size(); i++)
            assertEquals(a.get(i).replaceAll(",\"seconds\":[^,}]*", ""), b.get(i).replaceAll(",\"seconds\":[^,}]*", ""), "step " + i);
    }

    @Test void userErrorsAreOneLineAndExitTwo() throws Exception {
        Path model = dir.resolve("tiny.bin"), g = groups();
        new Llama(LlamaConfig.llama2c(16, 32, 1, 2, 2, 512, 64, true), 3).saveLlama2c(model);
        String[][] cases = {
                {"--beta", "0", "beta 0.0 must be > 0"},
                {"--loss", "kto", "loss type 'kto': expected sigmoid or ipo"},
                {"--label-smoothing", "0.7", "label smoothing 0.7 must be in [0, 0.5)"},
                {"--epochs", "0", "epochs 0 must be >= 1"}};
        for (String[] c : cases) {
            err.getBuffer().setLength(0);
            assertEquals(2, run("dpo", "--policy", model.toString(), "--pairs", g.toString(), "--out", dir.resolve("o").toString(), c[0], c[1]));
            assertEquals("rlhf4j dpo: " + c[2], err.toString().strip());
        }
        err.getBuffer().setLength(0);
        assertEquals(2, run("dpo", "--policy", model.toString(), "--pairs", dir.resolve("missing.jsonl").toString(), "--out", dir.resolve("o").toString()));
        assertEquals(1, err.toString().strip().lines().count(), err::toString);
        assertTrue(err.toString().contains("missing.jsonl"), err::toString);
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
