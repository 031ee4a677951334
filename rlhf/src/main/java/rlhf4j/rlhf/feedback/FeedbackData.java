package rlhf4j.rlhf.feedback;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A feedback data set in memory: prompts, their completions and the judgements of them. On disk it is a directory
 * of three JSONL files, {@code prompts.jsonl}, {@code completions.jsonl} and {@code judgements.jsonl}.
 */
public record FeedbackData(List<Prompt> prompts, List<Completion> completions, List<Judgement> judgements) {
    public static final String PROMPTS_FILE = "prompts.jsonl";
    public static final String COMPLETIONS_FILE = "completions.jsonl";
    public static final String JUDGEMENTS_FILE = "judgements.jsonl";

    public FeedbackData {
        prompts = List.copyOf(prompts);
        completions = List.copyOf(completions);
        judgements = List.copyOf(judgements);
    }

    /** Prompts by id. */
    public Map<String, Prompt> promptsById() {
        Map<String, Prompt> byId = new LinkedHashMap<>();
        for (Prompt p : prompts) byId.put(p.id(), p);
        return byId;
    }

    /** Completions by id. */
    public Map<String, Completion> completionsById() {
        Map<String, Completion> byId = new LinkedHashMap<>();
        for (Completion c : completions) byId.put(c.id(), c);
        return byId;
    }

    /** Each prompt id's completions, in file order. */
    public Map<String, List<Completion>> completionsByPrompt() {
        Map<String, List<Completion>> byPrompt = new LinkedHashMap<>();
        for (Completion c : completions) byPrompt.computeIfAbsent(c.promptId(), k -> new ArrayList<>()).add(c);
        return byPrompt;
    }

    /** Appends the three files in {@code dir} (created if missing). */
    public void appendTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        JsonlWriter.appendAll(dir.resolve(PROMPTS_FILE), FeedbackJson.PROMPT, prompts);
        JsonlWriter.appendAll(dir.resolve(COMPLETIONS_FILE), FeedbackJson.COMPLETION, completions);
        JsonlWriter.appendAll(dir.resolve(JUDGEMENTS_FILE), FeedbackJson.JUDGEMENT, judgements);
    }

    /** Reads the three files of {@code dir}; a missing judgements file reads as no judgements. */
    public static FeedbackData readFrom(Path dir) throws IOException {
        Path judgements = dir.resolve(JUDGEMENTS_FILE);
        return new FeedbackData(
                Jsonl.read(dir.resolve(PROMPTS_FILE), FeedbackJson.PROMPT),
                Jsonl.read(dir.resolve(COMPLETIONS_FILE), FeedbackJson.COMPLETION),
                Files.exists(judgements) ? Jsonl.read(judgements, FeedbackJson.JUDGEMENT) : List.of());
    }
}
