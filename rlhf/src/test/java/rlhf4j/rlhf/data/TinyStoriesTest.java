package rlhf4j.rlhf.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class TinyStoriesTest {
    @Test
    void storiesEndWhereANonBlankLineFollowsAnother() {
        String text = "One day, a cat sat.\n\nIt was happy.\nOnce upon a time, a dog ran.\n\n  \nThe end.\nLast one.";
        assertEquals(List.of("One day, a cat sat.\n\nIt was happy.", "Once upon a time, a dog ran.\n\nThe end.",
                "Last one."), TinyStories.split(text));
        assertEquals(List.of(), TinyStories.split("\n\n"));
    }

    @Test
    void sharedFile() {
        List<String> stories = TinyStories.load();
        assertEquals(1092, stories.size());
        assertTrue(stories.get(0).startsWith("One day, a little girl named Lily found a needle in her room."));
        assertEquals(3, stories.get(0).split("\n\n").length);
        assertTrue(stories.get(1).startsWith("Once upon a time, there was a little car named Beep."));
        assertTrue(stories.stream().allMatch(s -> !s.isBlank() && s.equals(s.strip())));
    }

    @Test
    void firstSentence() {
        assertEquals("One day, a little girl named Lily found a needle in her room.",
                TinyStories.firstSentence("One day, a little girl named Lily found a needle in her room. She knew."));
        // closing quotes stay with their sentence; a dot inside a number does not end it
        assertEquals("Tom said, \"Look at 3.5 apples!\"",
                TinyStories.firstSentence("Tom said, \"Look at 3.5 apples!\" Then he ran."));
        assertEquals("Why?", TinyStories.firstSentence("Why? Because."));
        assertEquals("no full stop here", TinyStories.firstSentence("no full stop\n\nhere"));
    }

    @Test
    void firstWords() {
        assertEquals("Once upon a", TinyStories.firstWords("Once upon a time,\n\nthere was", 3));
        assertEquals("Once upon", TinyStories.firstWords("  Once upon ", 10));
        List<String> stories = TinyStories.load();
        List<String> prompts = TinyStories.firstWordsPrompts(stories, 5);
        assertEquals(stories.size(), prompts.size());
        assertEquals("One day, a little girl", prompts.get(0));
        assertEquals(prompts, TinyStories.firstWordsPrompts(TinyStories.load(), 5)); // deterministic
        List<String> sentences = TinyStories.firstSentencePrompts(stories);
        assertEquals("Once upon a time, there was a little car named Beep.", sentences.get(1));
        assertTrue(sentences.stream().allMatch(s -> !s.isEmpty() && !s.contains("\n")));
    }
}
