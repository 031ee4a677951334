package rlhf4j.rlhf.feedback;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.rlhf.consensus.PreferenceGroup;

/** Feedback files with bad data that was once accepted silently: each is now an error naming file, line and value. */
class FeedbackFileChecksTest {
    @TempDir Path dir;

    static final Instant T = Instant.parse("2026-11-24T06:00:00Z");

    private static byte[] utf8(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    /** A labeler name with one corrupt byte read as "ann\uFFFD" and became a fourth labeler in the statistics. */
    @Test void invalidUtf8IsAnErrorNamingTheFileAndLineNotAReplacementCharacter() throws IOException {
        Path file = dir.resolve("judgements.jsonl");
        String line = "{\"labeler\":\"%s\",\"criterion\":\"c\",\"prompt_id\":\"p1\",\"ranking\":[[\"a\"],[\"b\"]]}\n";
        Files.write(file, concat(utf8(line.formatted("anne")), utf8(line.formatted("bo")),
                utf8("{\"labeler\":\"ann"), new byte[]{(byte) 0xE9}, utf8("\",\"criterion\":\"c\",\"prompt_id\":\"p1\","
                        + "\"ranking\":[[\"a\"],[\"b\"]]}\n"), utf8(line.formatted("anne"))));
        var e = assertThrows(FeedbackFormatException.class, () -> Jsonl.read(file, FeedbackJson.JUDGEMENT));
        assertEquals(file + ":3: invalid UTF-8 (byte 0xE9) at byte 16 of the line", e.getMessage());

        var lenient = Jsonl.readLenient(file, FeedbackJson.JUDGEMENT);   // skipped and reported, the rest is read
        assertEquals(List.of("anne", "bo", "anne"), lenient.records().stream().map(Judgement::labelerId).toList());
        assertEquals(List.of(3L), lenient.errors().stream().map(FeedbackFormatException::line).toList());

        try (BufferedReader in = Jsonl.open(file)) {   // the whole-file reader the importers use is strict too
            assertTrue(in.readLine().contains("anne"));
            assertTrue(in.readLine().contains("bo"));
            var thrown = assertThrows(FeedbackFormatException.class, in::readLine);
            assertEquals(3, thrown.line());
        }
    }

    /** Pair indices [0.9, 1.7] were truncated to [0, 1] by getAsInt. */
    @Test void pairIndicesMustBeIntegersInRange() throws IOException {
        PreferenceGroup group = PreferenceGroup.of("alice", "c", new Prompt("p1", "hi"),
                List.of(new Completion("a", "p1", "A"), new Completion("b", "p1", "B")), Ranking.strict("a", "b"));
        String good = Jsonl.GSON.toJson(PreferenceGroup.JSON.toJson(group));
        assertTrue(good.contains("\"pairs\":[[0,1]]"), good);
        Path file = dir.resolve("groups.jsonl");
        Files.writeString(file, good + "\n" + good.replace("[[0,1]]", "[[0.9,1.7]]") + "\n");
        var e = assertThrows(FeedbackFormatException.class, () -> Jsonl.read(file, PreferenceGroup.JSON));
        assertEquals(file + ":2: field 'pairs[0][0]' must be a 32-bit integer, got 0.9", e.getMessage());

        Files.writeString(file, good.replace("[[0,1]]", "[[0,2]]") + "\n");
        e = assertThrows(FeedbackFormatException.class, () -> Jsonl.read(file, PreferenceGroup.JSON));
        assertEquals(file + ":1: field 'pairs[0][1]' is 2, not an index into the 2 completions", e.getMessage());

        Files.writeString(file, good.replace("[[0,1]]", "[null]") + "\n");
        e = assertThrows(FeedbackFormatException.class, () -> Jsonl.read(file, PreferenceGroup.JSON));
        assertEquals(file + ":1: field 'pairs[0]' must be an array, got null", e.getMessage());
        assertEquals(List.of(group), Jsonl.read(writeLines("ok.jsonl", good), PreferenceGroup.JSON));
    }

    private Path writeLines(String name, String... lines) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file;
    }

    private Path feedbackDir(String judgementCompletion) throws IOException {
        Path d = dir.resolve("data");
        Files.createDirectories(d);
        JsonlWriter.appendAll(d.resolve(FeedbackData.PROMPTS_FILE), FeedbackJson.PROMPT,
                List.of(new Prompt("p1", "one"), new Prompt("p2", "two")));
        JsonlWriter.appendAll(d.resolve(FeedbackData.COMPLETIONS_FILE), FeedbackJson.COMPLETION,
                List.of(new Completion("a", "p1", "A"), new Completion("b", "p1", "B"), new Completion("c", "p2", "C")));
        JsonlWriter.appendAll(d.resolve(FeedbackData.JUDGEMENTS_FILE), FeedbackJson.JUDGEMENT, List.of(
                Judgement.of("alice", "c", "p1", Ranking.strict("a", "b"), T),
                Judgement.of("bob", "c", "p1", Ranking.strict("b", judgementCompletion), T)));
        return d;
    }

    /** A judgement ranking completion ids that no completion has passed `labels stats` unnoticed. */
    @Test void idsMustResolveFromJudgementsToCompletionsToPrompts() throws IOException {
        assertEquals(2, FeedbackData.readFrom(feedbackDir("a")).judgements().size());
        Files.walk(dir.resolve("data")).filter(Files::isRegularFile).forEach(f -> f.toFile().delete());

        Path d = feedbackDir("zz");
        var e = assertThrows(FeedbackFormatException.class, () -> FeedbackData.readFrom(d));
        assertEquals(d.resolve(FeedbackData.JUDGEMENTS_FILE) + ":2: ranking names completion zz, which completions.jsonl"
                + " does not hold", e.getMessage());

        Files.writeString(d.resolve(FeedbackData.JUDGEMENTS_FILE),
                "{\"labeler\":\"bob\",\"criterion\":\"c\",\"prompt_id\":\"p1\",\"ranking\":[[\"a\"],[\"c\"]]}\n");
        e = assertThrows(FeedbackFormatException.class, () -> FeedbackData.readFrom(d));
        assertEquals(d.resolve(FeedbackData.JUDGEMENTS_FILE) + ":1: ranking names completion c of prompt p2, not of this"
                + " judgement's prompt p1", e.getMessage());

        Files.writeString(d.resolve(FeedbackData.JUDGEMENTS_FILE),
                "{\"labeler\":\"bob\",\"criterion\":\"c\",\"prompt_id\":\"p9\",\"unusable\":true}\n");
        e = assertThrows(FeedbackFormatException.class, () -> FeedbackData.readFrom(d));
        assertEquals(d.resolve(FeedbackData.JUDGEMENTS_FILE) + ":1: prompt_id p9 is not in prompts.jsonl", e.getMessage());

        Files.writeString(d.resolve(FeedbackData.COMPLETIONS_FILE), "{\"id\":\"a\",\"prompt_id\":\"p1\",\"text\":\"A\"}\n"
                + "{\"id\":\"b\",\"prompt_id\":\"p3\",\"text\":\"B\"}\n");
        e = assertThrows(FeedbackFormatException.class, () -> FeedbackData.readFrom(d));
        assertEquals(d.resolve(FeedbackData.COMPLETIONS_FILE) + ":2: completion b names prompt_id p3, which prompts.jsonl"
                + " does not hold", e.getMessage());
    }

    @Test void aJudgementsFileElsewhereIsCheckedAgainstTheData() throws IOException {
        FeedbackData data = FeedbackData.readFrom(feedbackDir("a"));
        Path other = writeLines("other.jsonl",
                "{\"labeler\":\"carol\",\"criterion\":\"c\",\"prompt_id\":\"p1\",\"ranking\":[[\"b\",\"a\"]]}",
                "{\"labeler\":\"carol\",\"criterion\":\"c\",\"prompt_id\":\"p2\",\"ranking\":[[\"c\"],[\"q\"]]}");
        var e = assertThrows(FeedbackFormatException.class, () -> FeedbackData.readJudgements(other, data));
        assertEquals(other + ":2: ranking names completion q, which completions.jsonl does not hold", e.getMessage());
    }

    /** A 20 MB value of the wrong type was echoed whole into the error message. */
    @Test void aHugeWrongTypedValueIsQuotedShort() throws IOException {
        String huge = "{\"note\":\"" + "x".repeat(20_000_000) + "\"}";
        Path file = writeLines("prompts.jsonl", "{\"id\":" + huge + ",\"text\":\"t\"}");
        var e = assertThrows(FeedbackFormatException.class, () -> Jsonl.read(file, FeedbackJson.PROMPT));
        assertTrue(e.getMessage().startsWith(file + ":1: field 'id' must be a string, got {\"note\":\"xxx"), e.getMessage());
        assertTrue(e.getMessage().endsWith("… (" + huge.length() + " characters)"), e.getMessage());
        assertTrue(e.getMessage().length() < 300 + file.toString().length(), "message of " + e.getMessage().length());
    }

    @Test void aCorruptGzipFileIsAFormatError() throws IOException {
        Path file = dir.resolve("prompts.jsonl.gz");
        Files.write(file, new byte[]{0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3});
        var e = assertThrows(FeedbackFormatException.class, () -> Jsonl.read(file, FeedbackJson.PROMPT));
        assertTrue(e.getMessage().startsWith(file + ":1: not a valid gzip stream"), e.getMessage());
    }
}
