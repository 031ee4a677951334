package rlhf4j.rlhf.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import rlhf4j.transformer.data.DataSets;

/**
 * About a thousand TinyStories (Eldan and Li 2023) from {@code shared/data/tinystories/tiny_stories.txt}, and
 * prompts cut from them.
 *
 * <p>The file has no explicit separator: paragraphs inside a story are separated by a blank line, and one story
 * follows the last paragraph of the previous one after a single line break. So a story boundary is a line break
 * between two non-blank lines. A few stories break their own paragraphs with a single line break; those come out as
 * several pieces (the file splits into 1,092 pieces this way). Texts keep the file's characters as they are,
 * including its occasional mojibake ("â€œ").
 */
public final class TinyStories {
    private TinyStories() {}

    /** The stories of {@code shared/data/tinystories/tiny_stories.txt}. */
    public static List<String> load() {
        return load(DataSets.file("tinystories/tiny_stories.txt"));
    }

    /** The stories of a file in this layout; each story's paragraphs stay separated by one blank line. */
    public static List<String> load(Path file) {
        return split(TextFiles.readUtf8(file));
    }

    static List<String> split(String text) {
        List<String> stories = new ArrayList<>();
        List<String> paragraphs = new ArrayList<>();
        boolean previousBlank = true;
        for (String line : TextFiles.lines(text)) {
            boolean blank = line.isBlank();
            if (!blank && !previousBlank) {
                // a non-blank line straight after another: the previous story has ended
                stories.add(String.join("\n\n", paragraphs));
                paragraphs.clear();
            }
            if (!blank) paragraphs.add(line.strip());
            previousBlank = blank;
        }
        if (!paragraphs.isEmpty()) stories.add(String.join("\n\n", paragraphs));
        return stories;
    }

    /**
     * The story up to and including its first '.', '!' or '?' that is followed by white space or the end (closing
     * quotes after the mark are kept), with runs of white space made single spaces; the whole story if it has no such
     * mark.
     */
    public static String firstSentence(String story) {
        String s = story.strip().replaceAll("\\s+", " ");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '.' && c != '!' && c != '?') continue;
            int end = i + 1;
            while (end < s.length() && isClosingQuote(s.charAt(end))) end++;
            if (end == s.length() || s.charAt(end) == ' ') return s.substring(0, end);
        }
        return s;
    }

    /** The first {@code n} white-space separated words of the story, joined by single spaces. */
    public static String firstWords(String story, int n) {
        if (n <= 0) throw new IllegalArgumentException("need at least one word, got " + n);
        String s = story.strip();
        if (s.isEmpty()) return s;
        String[] words = s.split("\\s+");
        return String.join(" ", List.of(words).subList(0, Math.min(n, words.length)));
    }

    /** The first sentence of every story, in file order. */
    public static List<String> firstSentencePrompts(List<String> stories) {
        return stories.stream().map(TinyStories::firstSentence).toList();
    }

    /** The first {@code n} words of every story, in file order. */
    public static List<String> firstWordsPrompts(List<String> stories, int n) {
        return stories.stream().map(s -> firstWords(s, n)).toList();
    }

    private static boolean isClosingQuote(char c) {
        return c == '"' || c == '\'' || c == '\u201D' || c == '\u2019';
    }
}
