package rlhf4j.rlhf.feedback;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlTest {
    @TempDir Path dir;

    static final Instant T = Instant.parse("2026-11-24T06:00:00Z");

    @Test void recordsRoundTripThroughTheirJsonLines() throws IOException {
        var prompt = new Prompt("p1", "Say something nice.\n", Map.of("source", "test", "split", "dev"));
        var completion = new Completion("c1", "p1", " You are <great> & 'kind'.", new int[] {17, 4, 99},
                new SamplingSettings("gpt2-sft.safetensors", 0.7, 0.9, 40, 1234L));
        var bare = new Completion("c2", "p1", "Meh.");
        var judgement = new Judgement("alice", "sentiment", "p1", Ranking.of(new String[] {"c2", "c1"}, new String[] {"c3"}),
                T, false, null);
        var flagged = Judgement.flagged("bob", "sentiment", "p1", T, "prompt is not English");

        Path p = dir.resolve("prompts.jsonl"), c = dir.resolve("completions.jsonl"), j = dir.resolve("judgements.jsonl");
        JsonlWriter.appendAll(p, FeedbackJson.PROMPT, List.of(prompt));
        JsonlWriter.appendAll(c, FeedbackJson.COMPLETION, List.of(completion, bare));
        JsonlWriter.appendAll(j, FeedbackJson.JUDGEMENT, List.of(judgement, flagged));

        assertEquals(List.of(prompt), Jsonl.read(p, FeedbackJson.PROMPT));
        assertEquals(List.of(completion, bare), Jsonl.read(c, FeedbackJson.COMPLETION));
        assertEquals(List.of(judgement, flagged), Jsonl.read(j, FeedbackJson.JUDGEMENT));
        // the exact line format of docs/feedback-format.md
        assertEquals("{\"labeler\":\"alice\",\"criterion\":\"sentiment\",\"prompt_id\":\"p1\","
                + "\"ranking\":[[\"c2\",\"c1\"],[\"c3\"]],\"time\":\"2026-11-24T06:00:00Z\"}", Files.readAllLines(j).get(0));
        assertEquals("{\"id\":\"c1\",\"prompt_id\":\"p1\",\"text\":\" You are <great> & 'kind'.\",\"token_ids\":[17,4,99],"
                + "\"sampling\":{\"checkpoint\":\"gpt2-sft.safetensors\",\"temperature\":0.7,\"top_p\":0.9,\"top_k\":40,"
                + "\"seed\":1234}}", Files.readAllLines(c).get(0));
        Completion read = Jsonl.read(c, FeedbackJson.COMPLETION).get(1);
        assertArrayEquals(new int[0], read.tokenIds());
        assertNull(read.sampling());
    }

    @Test void scoresAndFlagsRoundTripAndOldLinesStillRead() throws IOException {
        var scored = new Judgement("alice", "helpfulness", "p1", Ranking.strict("c1", "c2"), T,
                new Judgement.Notes(6, java.util.Set.of("harmful"), "rude but right"));
        Path file = dir.resolve("j.jsonl");
        JsonlWriter.writeAll(file, FeedbackJson.JUDGEMENT, List.of(scored));
        String line = Files.readString(file).strip();
        assertEquals("{\"labeler\":\"alice\",\"criterion\":\"helpfulness\",\"prompt_id\":\"p1\",\"ranking\":[[\"c1\"],[\"c2\"]],"
                + "\"time\":\"2026-11-24T06:00:00Z\",\"flags\":[\"harmful\"],\"score\":6,\"comment\":\"rude but right\"}", line);
        assertEquals(List.of(scored), Jsonl.read(file, FeedbackJson.JUDGEMENT));
        Files.writeString(file, """
                {"labeler":"bob","criterion":"helpfulness","prompt_id":"p1","ranking":[],"unusable":true,"comment":"old"}
                {"labeler":"bob","criterion":"helpfulness","prompt_id":"p1","ranking":[],"flags":["unusable","harmful"]}
                """);
        List<Judgement> read = Jsonl.read(file, FeedbackJson.JUDGEMENT);
        assertEquals(Judgement.flagged("bob", "helpfulness", "p1", null, "old"), read.get(0));
        assertTrue(read.get(1).unusable() && read.get(1).harmful());
        assertNull(read.get(1).score());
        Files.writeString(file, "{\"labeler\":\"b\",\"criterion\":\"h\",\"prompt_id\":\"p1\",\"ranking\":[[\"a\"],[\"b\"]],\"score\":8}\n");
        var e = assertThrows(FeedbackFormatException.class, () -> Jsonl.read(file, FeedbackJson.JUDGEMENT));
        assertTrue(e.getMessage().contains("score 8 must be in 1..7") && e.getMessage().contains(":1"), e.getMessage());
    }

    @Test void writersAppendAndEveryRecordIsOnDiskBeforeClose() throws IOException {
        Path file = dir.resolve("j.jsonl");
        var first = Judgement.of("a", "helpfulness", "p1", Ranking.strict("x", "y"), T);
        var second = Judgement.of("b", "helpfulness", "p1", Ranking.strict("y", "x"), T);
        JsonlWriter.appendAll(file, FeedbackJson.JUDGEMENT, List.of(first));
        try (var writer = JsonlWriter.append(file, FeedbackJson.JUDGEMENT)) {
            writer.write(second);
            // flushed per record: another reader sees both lines while the writer is still open
            assertEquals(List.of(first, second), Jsonl.read(file, FeedbackJson.JUDGEMENT));
        }
    }

    @Test void aMalformedLineNamesTheFileTheLineAndTheProblem() throws IOException {
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, """
                {"labeler":"a","criterion":"helpfulness","prompt_id":"p1","ranking":[["c1"],["c2"]]}

                {"labeler":"a","criterion":"helpfulness","ranking":[["c1"],["c2"]]}
                {"labeler":"a","criterion":"helpfulness","prompt_id":"p2","ranking":[["c1"],["c1"]]}
                {"labeler":"a","criterion":"helpfulness","prompt_id":"p3","ranking":[["c1"],["c2"]]
                {"labeler":"a","criterion":"helpfulness","prompt_id":"p4","ranking":["c1","c2"]}
                {"labeler":"a","criterion":"helpfulness","prompt_id":"p5","ranking":[["c1"],["c2"]],"time":"yesterday"}
                {"labeler":"b","criterion":"helpfulness","prompt_id":"p6","ranking":[["c2","c1"]]}
                """);
        var e = assertThrows(FeedbackFormatException.class, () -> Jsonl.read(file, FeedbackJson.JUDGEMENT));
        assertEquals(file, e.file());
        assertEquals(3, e.line());  // the blank line 2 is allowed and counted
        assertEquals(file + ":3: missing field 'prompt_id'", e.getMessage());

        var result = Jsonl.readLenient(file, FeedbackJson.JUDGEMENT);
        assertEquals(List.of("p1", "p6"), result.records().stream().map(Judgement::promptId).toList());
        assertEquals(List.of(3L, 4L, 5L, 6L, 7L), result.errors().stream().map(FeedbackFormatException::line).toList());
        assertTrue(result.errors().get(1).problem().contains("id c1 appears twice"), result.errors().get(1).problem());
        assertTrue(result.errors().get(2).problem().startsWith("not valid JSON"), result.errors().get(2).problem());
        assertTrue(result.errors().get(3).problem().startsWith("ranking[0] must be an array"), result.errors().get(3).problem());
        assertTrue(result.errors().get(4).problem().startsWith("field 'time' is not an ISO-8601 instant"));
    }

    @Test void wrongTypesAndTrailingTextAreRejected() throws IOException {
        Path file = dir.resolve("c.jsonl");
        Files.writeString(file, String.join("\n",
                "{\"id\":\"c1\",\"prompt_id\":\"p1\",\"text\":42}",
                "{\"id\":\"c1\",\"prompt_id\":\"p1\",\"text\":\"x\",\"token_ids\":[1,2.5]}",
                "{\"id\":\"c1\",\"prompt_id\":\"p1\",\"text\":\"x\"} {\"id\":\"c2\"}",
                "[1,2]",
                "{'id':'c1','prompt_id':'p1','text':'x'}",
                "{\"id\":\"c1\",\"prompt_id\":\"p1\",\"text\":\"x\",\"sampling\":{\"temperature\":1.0}}"));
        var errors = Jsonl.readLenient(file, FeedbackJson.COMPLETION).errors();
        assertEquals(6, errors.size());
        assertEquals("field 'text' must be a string, got 42", errors.get(0).problem());
        assertEquals("field 'token_ids[1]' must be a 32-bit integer, got 2.5", errors.get(1).problem());
        assertTrue(errors.get(2).problem().startsWith("not valid JSON"), errors.get(2).problem());
        assertEquals("expected a JSON object, got [1,2]", errors.get(3).problem());
        assertTrue(errors.get(4).problem().startsWith("not valid JSON"), errors.get(4).problem());  // strict: no single quotes
        assertEquals("missing field 'sampling.checkpoint'", errors.get(5).problem());
        for (int i = 0; i < 6; i++) assertEquals(i + 1, errors.get(i).line());
    }

    @Test void gzipFilesAreReadTransparently() throws IOException {
        Path file = dir.resolve("p.jsonl.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write("{\"id\":\"p1\",\"text\":\"héllo\"}\n{\"id\":\"p2\",\"text\":\"bye\"}\n".getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(List.of(new Prompt("p1", "héllo"), new Prompt("p2", "bye")), Jsonl.read(file, FeedbackJson.PROMPT));
    }

    @Test void rankingsRejectDuplicatesAndAnswerPairQuestions() {
        var r = Ranking.of(new String[] {"c2", "c1"}, new String[] {"c3"});
        assertEquals(PairwiseChoice.TIE, r.choice("c1", "c2"));
        assertEquals(PairwiseChoice.FIRST, r.choice("c1", "c3"));
        assertEquals(PairwiseChoice.SECOND, r.choice("c3", "c2"));
        assertEquals("c2=c1 > c3", r.toString());
        assertEquals(3, r.size());
        assertThrows(IllegalArgumentException.class, () -> Ranking.strict("a", "b", "a"));
        assertThrows(IllegalArgumentException.class, () -> new Ranking(List.of(List.of("a"), List.of())));
        // a usable judgement must rank at least two completions
        assertThrows(IllegalArgumentException.class, () -> Judgement.of("a", "h", "p", Ranking.strict("x"), T));
        assertFalse(Judgement.flagged("a", "h", "p", T, null).ranking().size() > 0);
    }
}
