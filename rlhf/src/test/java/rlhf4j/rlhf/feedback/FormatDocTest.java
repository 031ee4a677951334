package rlhf4j.rlhf.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import rlhf4j.rlhf.consensus.PreferenceGroup;

/** The example lines of docs/feedback-format.md parse, and print back exactly as written. */
class FormatDocTest {
    @Test void everyExampleLineOfTheFormatDocIsAValidRecord() throws IOException {
        Path doc = null;
        for (Path dir = Path.of("").toAbsolutePath(); dir != null && doc == null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("docs/feedback-format.md"))) doc = dir.resolve("docs/feedback-format.md");
        }
        if (doc == null) throw new IllegalStateException("docs/feedback-format.md not found");
        List<String> examples = new ArrayList<>();
        boolean inJson = false;
        for (String line : Files.readAllLines(doc)) {
            if (line.equals("```json")) inJson = true;
            else if (line.equals("```")) inJson = false;
            else if (inJson) examples.add(line);
        }
        assertEquals(5, examples.size());
        check(examples.get(0), FeedbackJson.PROMPT);
        check(examples.get(1), FeedbackJson.COMPLETION);
        check(examples.get(2), FeedbackJson.JUDGEMENT);
        check(examples.get(3), FeedbackJson.JUDGEMENT);
        check(examples.get(4), PreferenceGroup.JSON);
        Judgement flagged = FeedbackJson.JUDGEMENT.fromJson(Jsonl.parseObject(examples.get(3)));
        assertEquals(true, flagged.unusable());
        assertEquals("prompt is not in English", flagged.comment());
    }

    private static <T> void check(String line, JsonlCodec<T> codec) {
        T record = codec.fromJson(Jsonl.parseObject(line));
        assertEquals(line, Jsonl.GSON.toJson(codec.toJson(record)));
    }
}
