package rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import rlhf4j.rlhf.consensus.PreferenceGroup;
import rlhf4j.rlhf.eval.Evaluation;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.Jsonl;
import rlhf4j.rlhf.pipeline.Pipeline;
import rlhf4j.rlhf.pipeline.PipelineConfig;
import rlhf4j.rlhf.ppo.IterationStats;
import rlhf4j.rlhf.ppo.RunLog;
import rlhf4j.transformer.data.DataSets;
import rlhf4j.rlhf.stage.EvalStage;
import rlhf4j.transformer.Models;

/**
 * The RLHF workflow step by step through the command line on stories260K (sample, labels simulate / stats / pairs,
 * reward train or classifier train, ppo, eval, report), in process through picocli, at sizes that take seconds; and
 * the proof that there is one implementation: the same steps and the pipeline give the same summary.json figures.
 */
class WorkflowCliTest {
    static final String BIN = DataSets.file("stories260k/stories260K.bin").toString();

    @TempDir Path dir;
    final StringWriter out = new StringWriter(), err = new StringWriter();

    /** Runs one command line in process; it must succeed. */
    void cli(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        assertEquals(0, cl.execute(args), () -> String.join(" ", args) + "\n" + err);
    }

    /** The pipeline config the step-by-step run below spells out as flags (seed 3). */
    static final String CONFIG = """
            {
              "name": "workflow",
              "seed": 3,
              "prompts": {"source": "tinystories", "words": 8, "train": 8, "eval": 8},
              "sampling": {"k": 3, "max_new_tokens": 8, "temperature": 1.0, "batch_size": 12},
              "labelers": {"oracle": "vader", "temperatures": [0.01, 0.05], "criterion": "sentiment", "consensus": "borda"},
              "reward_model": {"type": "pairwise", "epochs": 1, "lr": 1e-3, "groups_per_batch": 4, "held_out_percent": 25, "max_length": 32},
              "ppo": {"iterations": 8, "batch_size": 8, "minibatches": 2, "epochs": 2, "max_new_tokens": 8, "lr": 1e-3,
                      "init_kl_coef": 0.05, "adaptive_kl": false},
              "eval": {"gold": "afinn", "max_new_tokens": 8}
            }
            """;

    @Test void rewardModelWorkflowStepByStepGivesThePipelinesFigures() throws Exception {
        Path c = dir.resolve("cli");
        String samples = c.resolve("samples").toString(), rm = c.resolve("rm").toString(), ppo = c.resolve("ppo").toString();
        cli("sample", "--checkpoint", BIN, "--prompts", "tinystories", "--max-prompts", "8", "-k", "3", "--max-new-tokens", "8",
                "--seed", "3", "--batch-size", "12", "--out", samples);
        cli("labels", "simulate", "--dir", samples, "--oracle", "vader", "--criterion", "sentiment", "--temperature", "0.01,0.05",
                "--seed", "103", "--consensus", "borda");
        cli("labels", "stats", c.resolve("samples/judgements.jsonl").toString());
        assertTrue(out.toString().contains("Fleiss"), out::toString);
        cli("labels", "pairs", "--dir", samples, "--consensus", "borda", "--out", c.resolve("pairs").toString());
        cli("reward", "train", "--pairs", c.resolve("pairs/groups.jsonl").toString(), "--init", BIN, "--epochs", "1", "--lr", "1e-3",
                "--groups-per-batch", "4", "--held-out", "25", "--max-length", "32", "--seed", "3", "--out", rm, "--quiet");
        cli("ppo", "--policy", BIN, "--reward", "rm:" + rm, "--prompts", c.resolve("samples/prompts.jsonl").toString(), "--out", ppo,
                "--iterations", "8", "--batch-size", "8", "--minibatches", "2", "--ppo-epochs", "2", "--max-new-tokens", "8", "--lr", "1e-3",
                "--init-kl-coef", "0.05", "--kl-control", "fixed", "--seed", "3", "--quiet");
        cli("eval", "--policy", BIN, "--trained", ppo, "--reward", "rm:" + rm, "--gold", "afinn", "--prompts", "tinystories",
                "--skip-prompts", "8", "--max-prompts", "8", "--max-new-tokens", "8", "--seed", "10", "--out", c.resolve("eval").toString(), "--quiet");
        cli("report", "--ppo", ppo, "--eval", c.resolve("eval").toString(), "--reward-model", rm, "--labels", samples,
                "--out", c.resolve("report").toString(), "--quiet");

        // every step's output is there and parses
        FeedbackData labelled = FeedbackData.readFrom(c.resolve("samples"));
        assertEquals(24, labelled.completions().size());
        assertEquals(16, labelled.judgements().size());                          // 2 labelers x 8 prompts
        assertEquals(8, Jsonl.read(c.resolve("pairs/groups.jsonl"), PreferenceGroup.JSON).size());
        JsonObject rmMetrics = json(c.resolve("rm/metrics.json"));
        assertTrue(rmMetrics.get("training_groups").getAsInt() > 0);
        assertNotNull(Models.load(c.resolve("ppo/policy")));
        assertRewardRose(c.resolve("ppo"));
        Evaluation.Result eval = EvalStage.read(c.resolve("eval"));
        assertEquals(8, eval.samples().size());
        assertNotNull(eval.trained().gold());
        JsonObject cliSummary = json(c.resolve("report/summary.json"));
        for (String k : List.of("reward_before", "reward_after", "gold_before", "gold_after", "kl_after", "win_rate", "rm_val_accuracy",
                "agreement_pairwise", "fleiss_kappa"))
            assertFalse(cliSummary.get(k).isJsonNull(), k + " in " + cliSummary);
        assertTrue(Files.readString(c.resolve("report/report.html")).contains("<h2>Summary</h2>"));

        // the pipeline with the same settings: the same figures, bit for bit (only the wall time differs)
        Path configFile = Files.writeString(dir.resolve("workflow.json"), CONFIG);
        new Pipeline(PipelineConfig.load(configFile), CONFIG, dir.resolve("pipeline"), null).run();
        JsonObject pipelineSummary = json(dir.resolve("pipeline/summary.json"));
        cliSummary.remove("wall_seconds");
        pipelineSummary.remove("wall_seconds");
        assertEquals(pipelineSummary, cliSummary);
    }

    @Test void classifierWorkflowStepByStep() throws Exception {
        Path c = dir.resolve("cli");
        String clf = c.resolve("clf").toString(), ppo = c.resolve("ppo").toString();
        cli("classifier", "train", "--ngrams", "--data", "tweeteval-hate", "--max-train", "2000", "--out", clf, "--quiet");
        assertTrue(json(c.resolve("clf/metrics.json")).get("val_accuracy").getAsDouble() > 0.6);
        // only the required flags but for the sizes: the tokenizer is found beside the .bin
        cli("ppo", "--policy", BIN, "--reward", "classifier:" + clf + ":not-hate", "--prompts", "tinystories", "--out", ppo,
                "--max-prompts", "16", "--iterations", "8", "--batch-size", "8", "--minibatches", "2", "--max-new-tokens", "8", "--lr", "1e-3",
                "--quiet");
        assertRewardRose(c.resolve("ppo"));
        assertTrue(Files.isRegularFile(c.resolve("ppo/policy/config.json")));
        cli("eval", "--policy", BIN, "--trained", ppo, "--reward", "classifier:" + clf + ":not-hate", "--toxicity", "classifier:" + clf + ":hate",
                "--gold", "vader", "--prompts", "tinystories", "--skip-prompts", "16", "--max-prompts", "8", "--max-new-tokens", "8",
                "--out", c.resolve("eval").toString(), "--quiet");
        cli("report", "--ppo", ppo, "--eval", c.resolve("eval").toString(), "--reward-model", clf, "--out", c.resolve("report").toString(), "--quiet");
        JsonObject s = json(c.resolve("report/summary.json"));
        for (String k : List.of("reward_before", "reward_after", "gold_before", "toxicity_before", "toxicity_after", "kl_after", "rm_val_accuracy"))
            assertFalse(s.get(k).isJsonNull(), k + " in " + s);
        double toxicity = s.get("toxicity_before").getAsDouble();
        assertTrue(toxicity > 0 && toxicity < 1, "P(hate) " + toxicity);
        // a second run into the same --out is refused; --overwrite replaces it
        assertEquals("rlhf4j report: " + c.resolve("report/report.html") + " already exists; pass --overwrite to replace it",
                failure("report", "--ppo", ppo, "--out", c.resolve("report").toString(), "--quiet").strip());
        cli("report", "--ppo", ppo, "--out", c.resolve("report").toString(), "--overwrite", "--quiet");
        assertTrue(json(c.resolve("report/summary.json")).get("toxicity_before").isJsonNull());
    }

    @Test void userErrorsAreOneLineNamingTheProblem() {
        String missing = dir.resolve("no-such-rm").toString();
        assertEquals("rlhf4j ppo: reward 'rm': expected " + rlhf4j.rlhf.reward.RewardSource.USAGE,
                failure("ppo", "--policy", BIN, "--reward", "rm", "--prompts", "tinystories", "--out", dir.resolve("o").toString()).strip());
        String e = failure("eval", "--policy", BIN, "--trained", BIN, "--reward", "rm:" + missing, "--prompts", "tinystories",
                "--max-prompts", "1", "--out", dir.resolve("e").toString(), "--quiet");
        assertTrue(e.startsWith("rlhf4j eval: " + missing) && e.strip().lines().count() == 1, e);
        assertTrue(failure("eval", "--policy", BIN, "--trained", BIN, "--reward", "rm:" + missing, "--prompts", "tinystories",
                "--max-prompts", "1", "--out", dir.resolve("e2").toString(), "--quiet", "--verbose").contains("\tat "), "a stack trace with --verbose");
        assertTrue(failure("eval", "--policy", BIN, "--trained", BIN, "--reward", "oracle:vader", "--toxicity", "oracle:vader",
                "--prompts", "tinystories", "--out", dir.resolve("e3").toString()).contains("--toxicity oracle:vader: expected classifier:DIR:CLASS"));
    }

    /** Runs a command line that must fail with a user error; returns what it printed on stderr. */
    String failure(String... args) {
        StringWriter e = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(e, true));
        assertEquals(Main.USER_ERROR, cl.execute(args), e::toString);
        return e.toString();
    }

    /** The mean score of the last two PPO batches is above that of the first two. */
    static void assertRewardRose(Path ppoDir) throws IOException {
        List<IterationStats> m = new RunLog(ppoDir).metrics();
        assertEquals(8, m.size());
        double first = (m.get(0).score().mean() + m.get(1).score().mean()) / 2, last = (m.get(6).score().mean() + m.get(7).score().mean()) / 2;
        assertTrue(last > first, "score " + first + " -> " + last);
    }

    static JsonObject json(Path f) throws IOException { return JsonParser.parseString(Files.readString(f)).getAsJsonObject(); }
}
