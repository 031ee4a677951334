package rlhf4j.rlhf.data;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.rlhf.feedback.Jsonl;
import rlhf4j.rlhf.feedback.JsonlCodec;
import rlhf4j.rlhf.feedback.Prompt;

/**
 * Where prompts come from, named the same way everywhere (CLI flags, pipeline config, Java):
 * <ul>
 *   <li>{@code tinystories}: the first {@code words} words of each TinyStories story;</li>
 *   <li>{@code davidson}: the first {@code words} words of each cleaned ({@link Tweets#clean}) Davidson tweet, blank
 *       ones dropped;</li>
 *   <li>a {@code .jsonl} file: feedback prompts ({"id", "text"}, what {@code sample} writes; ids kept), or lines
 *       with a "text" or "prompt" field;</li>
 *   <li>any other file: one prompt a line, blank lines skipped.</li>
 * </ul>
 * Prompts without an id of their own are numbered "p1", "p2", ... in order.
 *
 * @param spec  tinystories, davidson, or a file
 * @param words words per prompt for tinystories and davidson
 */
public record PromptSource(String spec, int words) {
    public static final String TINYSTORIES = "tinystories", DAVIDSON = "davidson";

    public PromptSource {
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("no prompt source; expected tinystories, davidson or a file");
        if (words < 1) throw new IllegalArgumentException("prompt words " + words + " must be >= 1");
    }

    /** A file of prompts (the words setting does not apply). */
    public static PromptSource file(Path file) { return new PromptSource(file.toString(), 8); }

    /** Every prompt of the source, in order. */
    public List<Prompt> prompts() throws IOException {
        return switch (spec) {
            case TINYSTORIES -> numbered(TinyStories.firstWordsPrompts(TinyStories.load(), words), "p");
            case DAVIDSON -> numbered(DavidsonHate.load().stream().map(r -> TinyStories.firstWords(Tweets.clean(r.tweet()), words))
                    .filter(s -> !s.isBlank()).toList(), "p");
            default -> fromFile(Path.of(spec));
        };
    }

    /** The texts of {@link #prompts}. */
    public List<String> texts() throws IOException { return prompts().stream().map(Prompt::text).toList(); }

    /** Prompts with ids prefix1, prefix2, ... in order. */
    public static List<Prompt> numbered(List<String> texts, String prefix) {
        List<Prompt> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) out.add(new Prompt(prefix + (i + 1), texts.get(i), Map.of()));
        return out;
    }

    private static List<Prompt> fromFile(Path file) throws IOException {
        if (!Files.isRegularFile(file))
            throw new IllegalArgumentException("prompts " + file + ": no such file (or use " + TINYSTORIES + " or " + DAVIDSON + ")");
        if (!file.getFileName().toString().endsWith(".jsonl"))
            return numbered(Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList(), "p");
        List<Prompt> out = new ArrayList<>();
        Jsonl.forEach(file, new JsonlCodec<Prompt>() {
            @Override public Prompt fromJson(JsonObject json) {
                if (json.has("id") && json.has("text")) return FeedbackJson.PROMPT.fromJson(json);
                String field = json.has("text") ? "text" : json.has("prompt") ? "prompt" : null;
                if (field == null) throw new IllegalArgumentException("no \"text\" or \"prompt\" field");
                if (!json.get(field).isJsonPrimitive() || !json.get(field).getAsJsonPrimitive().isString())
                    throw new IllegalArgumentException("\"" + field + "\" must be a string");
                return new Prompt("p" + (out.size() + 1), json.get(field).getAsString(), Map.of());
            }

            @Override public JsonObject toJson(Prompt record) { return FeedbackJson.PROMPT.toJson(record); }
        }, out::add, null);
        return out;
    }
}
