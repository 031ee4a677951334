package rlhf4j.rlhf.data;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.rlhf.feedback.FeedbackFormatException;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.rlhf.feedback.JsonlWriter;
import rlhf4j.rlhf.feedback.Prompt;

class PromptSourceTest {
    @Test void textFileSkipsBlankLinesAndNumbers(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("p.txt"), "Once upon a time\n\n  \nThe dog\n");
        assertEquals(List.of(new Prompt("p1", "Once upon a time"), new Prompt("p2", "The dog")), PromptSource.file(f).prompts());
    }

    @Test void feedbackPromptsKeepTheirIdsAndMetadata(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("prompts.jsonl");
        List<Prompt> written = List.of(new Prompt("a7", "Hello", Map.of("source", "test")), new Prompt("b2", "World"));
        JsonlWriter.writeAll(f, FeedbackJson.PROMPT, written);
        assertEquals(written, PromptSource.file(f).prompts());
    }

    @Test void promptOrTextFieldsAreNumbered(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("x.jsonl"), "{\"prompt\": \"one\"}\n\n{\"text\": \"two\", \"extra\": 1}\n");
        assertEquals(List.of(new Prompt("p1", "one"), new Prompt("p2", "two")), PromptSource.file(f).prompts());
        Files.writeString(f, "{\"prompt\": \"one\"}\n{\"title\": \"two\"}\n");
        var e = assertThrows(FeedbackFormatException.class, () -> PromptSource.file(f).prompts());
        assertEquals(f + ":2: no \"text\" or \"prompt\" field", e.getMessage());
        Files.writeString(f, "{\"prompt\": 3}\n");
        e = assertThrows(FeedbackFormatException.class, () -> PromptSource.file(f).prompts());
        assertEquals(f + ":1: \"prompt\" must be a string", e.getMessage());
    }

    @Test void missingFileNamesTheChoices(@TempDir Path dir) {
        var e = assertThrows(IllegalArgumentException.class, () -> PromptSource.file(dir.resolve("nope.txt")).prompts());
        assertTrue(e.getMessage().contains("nope.txt") && e.getMessage().contains("tinystories"), e.getMessage());
    }

    @Test void builtInSources() throws Exception {
        List<String> stories = new PromptSource("tinystories", 4).texts();
        assertEquals(TinyStories.load().size(), stories.size());
        assertEquals(TinyStories.firstWords(TinyStories.load().getFirst(), 4), stories.getFirst());
        assertTrue(stories.stream().allMatch(s -> s.split(" ").length <= 4));
        List<Prompt> tweets = new PromptSource("davidson", 6).prompts();
        assertTrue(tweets.size() > 20_000, "" + tweets.size());
        assertTrue(tweets.stream().noneMatch(p -> p.text().isBlank() || p.text().matches(".*@\\w.*")));
        assertEquals("p1", tweets.getFirst().id());
    }

    @Test void tweetCleaning() {
        assertEquals("I & you love it", Tweets.clean("RT @user: I &amp; you &#128514; http://t.co/x  love  it @bob"));
        assertEquals("", Tweets.clean("RT @a: https://x.y/z"));
    }
}
