package rlhf4j.rlhf.label;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Jsonl;
import rlhf4j.rlhf.feedback.JsonlWriter;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.feedback.Ranking;

class TerminalLabelerTest {
    @TempDir Path dir;

    static final Instant T = Instant.parse("2026-11-24T07:00:00Z");
    static final Clock CLOCK = Clock.fixed(T, ZoneOffset.UTC);

    /** p1, p2, p4: three completions; p3: two; p5: one (nothing to rank, left out). */
    static List<LabelItem> items() {
        int[] k = {3, 3, 2, 3, 1};
        List<LabelItem> items = new ArrayList<>();
        for (int p = 1; p <= 5; p++) {
            List<Completion> cs = new ArrayList<>();
            for (int c = 1; c <= k[p - 1]; c++) cs.add(new Completion("p" + p + "-c" + c, "p" + p, "answer " + c + " to " + p));
            items.add(new LabelItem(new Prompt("p" + p, "Question number " + p + "?"), cs));
        }
        return items;
    }

    record Run(TerminalLabeler.Summary summary, String output) {}

    /** One session on {@code input}, writing to {@code file} through a writer that is never closed (as if killed). */
    Run session(String input, Path file) throws IOException {
        List<Judgement> existing = java.nio.file.Files.exists(file) ? Jsonl.read(file, FeedbackJson.JUDGEMENT) : List.of();
        var bytes = new ByteArrayOutputStream();
        var out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        var writer = JsonlWriter.append(file, FeedbackJson.JUDGEMENT);
        var labeler = new TerminalLabeler(new BufferedReader(new StringReader(input)), out, "alice", "helpfulness",
                "INSTRUCTIONS HERE", CLOCK);
        var summary = labeler.run(items(), existing, writer::write);
        return new Run(summary, bytes.toString(StandardCharsets.UTF_8));
    }

    @Test void validAnswersInvalidRankingsSkipFlagAndKillAndResume() throws IOException {
        Path file = dir.resolve("judgements.jsonl");

        // session 1: one ranking, two bad attempts, a ranking with a tie; then the input ends (the process is killed)
        Run first = session("2 1 3\n1 1 2\n4 1 2\n2=3 1\n", file);
        assertTrue(first.output().startsWith("INSTRUCTIONS HERE"));
        assertTrue(first.output().contains("4 items to label, 0 already done"), first.output());
        assertTrue(first.output().contains("Question number 1?\n\n--- [1] ---\nanswer 1 to 1\n\n--- [2] ---\nanswer 2 to 1"));
        assertTrue(first.output().contains("not a valid ranking: 1 appears more than once. Try again."));
        assertTrue(first.output().contains("not a valid ranking: 4 is not one of the shown numbers 1..3. Try again."));
        assertEquals(new TerminalLabeler.Summary(0, 2, 0, 0, true), first.summary());
        // both answers are on disk although the writer was never closed
        List<Judgement> afterFirst = Jsonl.read(file, FeedbackJson.JUDGEMENT);
        assertEquals(List.of(
                Judgement.of("alice", "helpfulness", "p1", Ranking.strict("p1-c2", "p1-c1", "p1-c3"), T),
                Judgement.of("alice", "helpfulness", "p2",
                        Ranking.of(new String[] {"p2-c2", "p2-c3"}, new String[] {"p2-c1"}), T)), afterFirst);

        // session 2 resumes at p3: skip it, flag p4 with a comment; p5 (one completion) is never shown
        Run second = session("s\nf\nthe prompt is off-topic\n", file);
        assertTrue(second.output().contains("2 items to label, 2 already done"), second.output());
        assertTrue(second.output().contains("(prompt p3)") && !second.output().contains("(prompt p1)"));
        assertTrue(!second.output().contains("(prompt p5)"));
        assertEquals(new TerminalLabeler.Summary(2, 0, 1, 1, false), second.summary());

        // session 3: only the skipped p3 is left; '?' shows the instructions again
        Run third = session("?\n2 1\n", file);
        assertTrue(third.output().contains("1 items to label, 3 already done"), third.output());
        assertEquals(2, third.output().split("INSTRUCTIONS HERE", -1).length - 1);
        assertEquals(new TerminalLabeler.Summary(3, 1, 0, 0, false), third.summary());

        List<Judgement> all = Jsonl.read(file, FeedbackJson.JUDGEMENT);
        assertEquals(afterFirst, all.subList(0, 2));  // nothing lost
        assertEquals(new Judgement("alice", "helpfulness", "p4", Ranking.empty(), T, true, "the prompt is off-topic"), all.get(2));
        assertEquals(Judgement.of("alice", "helpfulness", "p3", Ranking.strict("p3-c2", "p3-c1"), T), all.get(3));
        assertEquals(List.of("p1", "p2", "p4", "p3"), all.stream().map(Judgement::promptId).toList());  // no duplicates

        // session 4: nothing left for alice; another labeler still sees everything
        assertEquals(new TerminalLabeler.Summary(4, 0, 0, 0, false), session("", file).summary());
        var bob = new TerminalLabeler(new BufferedReader(new StringReader("q\n")), new PrintStream(new ByteArrayOutputStream()),
                "bob", "helpfulness", "", CLOCK).run(items(), all, j -> { throw new AssertionError("nothing to save"); });
        assertEquals(new TerminalLabeler.Summary(0, 0, 0, 0, true), bob);
    }

    @Test void flagWithoutComment() throws IOException {
        Path file = dir.resolve("j.jsonl");
        session("f\n\nq\n", file);
        assertEquals(List.of(Judgement.flagged("alice", "helpfulness", "p1", T, null)), Jsonl.read(file, FeedbackJson.JUDGEMENT));
    }

    @Test void rankingInputParsing() {
        assertEquals(List.of(List.of(2), List.of(1), List.of(3)), RankingInput.parse("2 1 3", 3));
        assertEquals(List.of(List.of(2, 1), List.of(3)), RankingInput.parse(" 2=1   3 ", 3));
        assertEquals(List.of(List.of(3), List.of(1, 2)), RankingInput.parse("3,1=2", 3));
        assertEquals(List.of(List.of(1, 2, 3)), RankingInput.parse("1=2=3", 3));
        assertEquals("missing [3]: rank every response 1..3 exactly once",
                assertThrows(IllegalArgumentException.class, () -> RankingInput.parse("2 1", 3)).getMessage());
        assertEquals("'x' is not a response number",
                assertThrows(IllegalArgumentException.class, () -> RankingInput.parse("2 x 1", 3)).getMessage());
        assertEquals("0 is not one of the shown numbers 1..3",
                assertThrows(IllegalArgumentException.class, () -> RankingInput.parse("0 1 2 3", 3)).getMessage());
        assertEquals("'2=' has an empty side of '='",
                assertThrows(IllegalArgumentException.class, () -> RankingInput.parse("2= 1 3", 3)).getMessage());
        assertEquals("2 appears more than once",
                assertThrows(IllegalArgumentException.class, () -> RankingInput.parse("2=2 1 3", 3)).getMessage());
    }

    @Test void defaultInstructionsSayHowToRankTieAndFlag() {
        String text = Instructions.defaultFor("harmlessness");
        assertTrue(text.contains("HARMLESSNESS: rank the responses by how little harm"));
        assertTrue(text.contains("2=1 3") && text.contains("Ties:") && text.contains("Flag an item"));
        assertTrue(Instructions.defaultFor("conciseness").contains("CONCISENESS: rank the responses from best to worst by conciseness."));
    }
}
