package rlhf4j.rlhf.feedback;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import rlhf4j.tensor.io.Quote;

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

    /**
     * Reads the three files of {@code dir}; a missing judgements file reads as no judgements. Every id must resolve:
     * each completion's prompt_id names a prompt, each judgement's prompt_id names a prompt, and each completion id
     * a judgement ranks names a completion of that prompt. Otherwise a {@link FeedbackFormatException} names the
     * file, the line and the id.
     */
    public static FeedbackData readFrom(Path dir) throws IOException {
        Path promptsFile = dir.resolve(PROMPTS_FILE), completionsFile = dir.resolve(COMPLETIONS_FILE);
        Path judgementsFile = dir.resolve(JUDGEMENTS_FILE);
        List<Prompt> prompts = Jsonl.read(promptsFile, FeedbackJson.PROMPT);
        Set<String> promptIds = new HashSet<>();
        for (Prompt p : prompts) promptIds.add(p.id());
        List<Completion> completions = new ArrayList<>();
        for (Numbered<Completion> n : numbered(completionsFile, FeedbackJson.COMPLETION)) {
            Completion c = n.record();
            if (!promptIds.contains(c.promptId()))
                throw new FeedbackFormatException(completionsFile, n.line(), "completion " + Quote.cap(c.id())
                        + " names prompt_id " + Quote.cap(c.promptId()) + ", which " + PROMPTS_FILE + " does not hold");
            completions.add(c);
        }
        FeedbackData withoutJudgements = new FeedbackData(prompts, completions, List.of());
        List<Judgement> judgements = Files.exists(judgementsFile)
                ? readJudgements(judgementsFile, withoutJudgements) : List.of();
        return new FeedbackData(prompts, completions, judgements);
    }

    /**
     * The judgements of {@code file} (any judgements file), each checked against {@code data}: its prompt_id must
     * name one of data's prompts and every id it ranks one of that prompt's completions. The first that does not
     * resolve is a {@link FeedbackFormatException} naming the file, the line and the id.
     */
    public static List<Judgement> readJudgements(Path file, FeedbackData data) throws IOException {
        Map<String, Prompt> prompts = data.promptsById();
        Map<String, Completion> completions = data.completionsById();
        List<Judgement> judgements = new ArrayList<>();
        for (Numbered<Judgement> n : numbered(file, FeedbackJson.JUDGEMENT)) {
            Judgement j = n.record();
            if (!prompts.containsKey(j.promptId()))
                throw new FeedbackFormatException(file, n.line(), "prompt_id " + Quote.cap(j.promptId()) + " is not in "
                        + PROMPTS_FILE);
            for (String id : j.ranking().ids()) {
                Completion c = completions.get(id);
                if (c == null)
                    throw new FeedbackFormatException(file, n.line(), "ranking names completion " + Quote.cap(id)
                            + ", which " + COMPLETIONS_FILE + " does not hold");
                if (!c.promptId().equals(j.promptId()))
                    throw new FeedbackFormatException(file, n.line(), "ranking names completion " + Quote.cap(id)
                            + " of prompt " + Quote.cap(c.promptId()) + ", not of this judgement's prompt "
                            + Quote.cap(j.promptId()));
            }
            judgements.add(j);
        }
        return judgements;
    }

    /** A record and the line it was read from. */
    private record Numbered<T>(long line, T record) {}

    private static <T> List<Numbered<T>> numbered(Path file, JsonlCodec<T> codec) throws IOException {
        List<Numbered<T>> out = new ArrayList<>();
        Jsonl.forEachNumbered(file, codec, (line, record) -> out.add(new Numbered<>(line, record)), null);
        return out;
    }
}
