package rlhf4j.rlhf.feedback;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Imports Anthropic's HH-RLHF preference pairs: JSONL (often gzipped) lines {@code {"chosen": T1, "rejected": T2}},
 * each a whole dialogue {@code "\n\nHuman: ...\n\nAssistant: ..."}.
 *
 * <p>The two transcripts share everything up to the final assistant turn. The prompt is that shared text, up to and
 * including the last {@code "\n\nAssistant:"}; the completions are what follows it (leading space kept, so that
 * {@code prompt + completion} is the original transcript). A line whose two transcripts do not share that prefix is
 * skipped and reported. Line {@code n} (1-based) gives prompt {@code hh-n}, completions {@code hh-n-chosen} and
 * {@code hh-n-rejected}, and one judgement by labeler {@code hh-rlhf}: chosen above rejected.
 */
public final class HhRlhfImporter {
    public static final String LABELER = "hh-rlhf";
    public static final String ASSISTANT = "\n\nAssistant:";

    private final String criterion;
    private final String idPrefix;

    /** @param criterion what the pairs were judged on: {@code harmlessness} for harmless-base, {@code helpfulness} for helpful-* */
    public HhRlhfImporter(String criterion, String idPrefix) {
        this.criterion = criterion;
        this.idPrefix = idPrefix;
    }

    /** The harmless-base importer: criterion {@code harmlessness}, ids {@code hh-...}. */
    public HhRlhfImporter() { this("harmlessness", "hh"); }

    public ImportResult importFile(Path file) throws IOException {
        List<Prompt> prompts = new ArrayList<>();
        List<Completion> completions = new ArrayList<>();
        List<Judgement> judgements = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int[] read = {0};
        Jsonl.forEachNumbered(file, JsonlCodec.RAW, (line, json) -> {
            read[0]++;
            String problem = importPair(json, line, prompts, completions, judgements);
            if (problem != null) problems.add(file + ":" + line + ": " + problem);
        }, error -> {
            read[0]++;
            problems.add(error.getMessage());
        });
        var data = new FeedbackData(prompts, completions, judgements);
        return new ImportResult(data, read[0], problems.size(), problems);
    }

    /** Adds one pair's records, or returns why it cannot be imported. */
    private String importPair(JsonObject json, long line, List<Prompt> prompts, List<Completion> completions,
                              List<Judgement> judgements) {
        String chosen, rejected;
        try {
            chosen = FeedbackJson.requiredString(json, "chosen");
            rejected = FeedbackJson.requiredString(json, "rejected");
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        int cut = chosen.lastIndexOf(ASSISTANT);
        if (cut < 0) return "the chosen transcript has no \"\\n\\nAssistant:\" turn";
        int promptEnd = cut + ASSISTANT.length();
        // both replies must continue the same dialogue: same prefix, and no later assistant turn in the rejected one
        if (!rejected.startsWith(chosen.substring(0, promptEnd)) || rejected.lastIndexOf(ASSISTANT) != cut) {
            return "chosen and rejected do not share the dialogue up to the last assistant turn";
        }
        String id = idPrefix + "-" + line;
        prompts.add(new Prompt(id, chosen.substring(0, promptEnd), Map.of("source", "anthropic/hh-rlhf")));
        completions.add(new Completion(id + "-chosen", id, chosen.substring(promptEnd)));
        completions.add(new Completion(id + "-rejected", id, rejected.substring(promptEnd)));
        judgements.add(Judgement.of(LABELER, criterion, id, Ranking.strict(id + "-chosen", id + "-rejected"), null));
        return null;
    }
}
