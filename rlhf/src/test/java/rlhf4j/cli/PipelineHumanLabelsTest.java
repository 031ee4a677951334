package rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Jsonl;
import rlhf4j.rlhf.feedback.Ranking;
import rlhf4j.rlhf.pipeline.Pipeline;
import rlhf4j.rlhf.serve.LabelingService.Role;
import rlhf4j.rlhf.serve.LabelingService.Submission;
import rlhf4j.rlhf.serve.SqliteLabelingService;

/** "labelers": "human": the pipeline stops for people, says what is missing, and continues once the campaign is done. */
class PipelineHumanLabelsTest {
    @TempDir Path dir;

    private Path config(String name, String labelers) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, """
                {
                  "name": "tiny-human",
                  "seed": 3,
                  "prompts": {"source": "tinystories", "train": 8, "eval": 4},
                  "sampling": {"k": 3, "max_new_tokens": 6, "batch_size": 12},
                  "labelers": %s,
                  "reward_model": {"epochs": 1, "lr": 1e-3, "groups_per_batch": 4, "held_out_percent": 25, "max_length": 32},
                  "ppo": {"iterations": 1, "batch_size": 4, "minibatches": 2, "epochs": 1, "max_new_tokens": 6, "lr": 1e-3},
                  "eval": {"gold": "afinn", "max_new_tokens": 6}
                }
                """.formatted(labelers));
        return f;
    }

    record Run(int code, String err) {}

    private static Run pipeline(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CommandLine cl = Main.commandLine();
        StringWriter picocliErr = new StringWriter();
        cl.setErr(new PrintWriter(picocliErr, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        try {
            System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            int code = cl.execute(args);
            return new Run(code, bytes.toString(StandardCharsets.UTF_8) + picocliErr);
        } finally {
            System.setErr(saved);
        }
    }

    @Test void thePipelineWaitsForPeopleAndResumesWhenEveryItemHasNJudgements() throws Exception {
        Path run = dir.resolve("run");
        Path human = config("human.json", "\"human\"");
        Run first = pipeline("pipeline", "--config", human.toString(), "--out", run.toString());
        assertEquals(PipelineCommand.WAITING_FOR_LABELS, first.code(), first.err());
        assertTrue(first.err().contains("24 of 24 judgements missing (0 of 8 items done) in campaign tiny-human"), first.err());
        assertTrue(first.err().contains("./rlhf4j pipeline --resume --out " + run), first.err());
        assertTrue(Files.exists(Pipeline.marker(run, "samples")));
        assertFalse(Files.exists(Pipeline.marker(run, "labels")));

        // one person labels three items through the service, as the server would
        Path db = run.resolve("labeling.db");
        try (var service = SqliteLabelingService.open(db)) {
            var c = service.campaign("tiny-human").orElseThrow();
            assertEquals(3, c.spec().k());
            var ann = service.addAccount("ann", Role.LABELER, null);
            service.acknowledgeInstructions(c.id(), ann.id());
            for (int i = 0; i < 3; i++) {
                var t = service.nextTask(c.id(), ann.id(), Instant.now()).orElseThrow();
                var ids = t.completions().stream().map(Completion::id).sorted().toList();
                service.submit(c.id(), ann.id(), new Submission("ann-" + i, t.promptId(), Ranking.strict(ids), 5, Set.of(), null, false),
                        Instant.now());
            }
        }
        Run second = pipeline("pipeline", "--resume", "--out", run.toString());
        assertEquals(PipelineCommand.WAITING_FOR_LABELS, second.code(), second.err());
        assertTrue(second.err().contains("[samples] finished earlier"), second.err());
        assertTrue(second.err().contains("21 of 24 judgements missing (0 of 8 items done)"), second.err());

        // three simulated labelers mixed in as extra labelers finish the campaign: N = 3 per item
        Path mixed = config("mixed.json", "{\"type\": \"human\", \"simulated_temperatures\": [0.01, 0.05, 0.1]}");
        Run third = pipeline("pipeline", "--resume", "--out", run.toString(), "--config", mixed.toString());
        assertEquals(0, third.code(), third.err());
        assertTrue(third.err().contains("campaign tiny-human complete, 24 judgements"), third.err());
        List<Judgement> judgements = Jsonl.read(run.resolve("labels/judgements.jsonl"), FeedbackJson.JUDGEMENT);
        assertEquals(24, judgements.size());
        Set<String> labelers = new TreeSet<>(judgements.stream().map(Judgement::labelerId).toList());
        assertEquals(Set.of("ann", "sim-vader-T0.01", "sim-vader-T0.05", "sim-vader-T0.1"), labelers);
        assertEquals(3, judgements.stream().filter(j -> j.labelerId().equals("ann")).count());
        assertEquals(5, judgements.stream().filter(j -> j.labelerId().equals("ann")).findFirst().orElseThrow().score());
        assertTrue(Files.readString(run.resolve("labels/agreement.txt")).contains("Krippendorff's alpha"));
        for (String stage : List.of("labels", "pairs", "rm", "ppo", "eval", "report"))
            assertTrue(Files.exists(Pipeline.marker(run, stage)), stage);
    }

    @Test void humanOnlyFieldsAreRefusedElsewhere() throws Exception {
        Run r = pipeline("pipeline", "--config", config("bad.json", "{\"labelers_per_item\": 2}").toString(), "--out",
                dir.resolve("r").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("field 'labelers.labelers_per_item': only for \"type\": \"human\""), r.err());
        Run s = pipeline("pipeline", "--config", config("bad2.json", "\"people\"").toString(), "--out", dir.resolve("s").toString());
        assertEquals(2, s.code(), s.err());
        assertTrue(s.err().contains("field 'labelers': expected an object or \"human\""), s.err());
    }
}
