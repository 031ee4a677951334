package rlhf4j.rlhf.feedback;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Imports the PandaLM human test set: a JSON array of comparisons {@code {idx, motivation_app, cmp_key, instruction,
 * input, response1, response2, annotator1, annotator2, annotator3}}, each annotator saying 0 (tie), 1 (response1
 * better) or 2 (response2 better).
 *
 * <p>Prompts are {@code instruction}, plus a blank line and {@code input} when there is one; equal prompts are stored
 * once ({@code pandalm-p0}, {@code pandalm-p1} ... in order of first appearance). Comparison {@code idx} gives
 * completions {@code pandalm-<idx>-1} and {@code -2}, their model taken from {@code cmp_key}
 * ({@code "bloom-7b_llama-7b"}: response1 by bloom-7b, response2 by llama-7b), and three judgements by labelers
 * {@code annotator1..3}. The item of a judgement is the prompt together with its two completions, so a prompt seen in
 * six comparisons holds six items.
 *
 * <p>Six responses in testset-v1 are a bare JSON {@code true} rather than a string; a boolean or number response is
 * kept as its text as written ({@code true}, {@code 42}, {@code 3.5}) so that every human judgement is imported.
 */
public final class PandaLmImporter {
    private final String criterion;

    /** @param criterion the name stored in the judgements; PandaLM asked for overall quality, stored as {@code helpfulness} by default */
    public PandaLmImporter(String criterion) { this.criterion = criterion; }

    public PandaLmImporter() { this("helpfulness"); }

    public ImportResult importFile(Path file) throws IOException {
        JsonArray comparisons;
        try (BufferedReader in = Jsonl.open(file)) {
            JsonElement root = JsonParser.parseReader(in);
            if (!root.isJsonArray()) throw new FeedbackFormatException(file, 1, "expected a JSON array of comparisons");
            comparisons = root.getAsJsonArray();
        } catch (JsonParseException e) {
            throw new FeedbackFormatException(file, 1, "not valid JSON: " + e.getMessage());
        }
        Map<String, Prompt> promptsByText = new LinkedHashMap<>();
        List<Completion> completions = new ArrayList<>();
        List<Judgement> judgements = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < comparisons.size(); i++) {
            try {
                JsonElement element = comparisons.get(i);
                if (!element.isJsonObject()) throw new IllegalArgumentException("expected an object, got " + element);
                importComparison(element.getAsJsonObject(), promptsByText, completions, judgements);
            } catch (IllegalArgumentException e) {
                problems.add(file + ": comparison [" + i + "]: " + e.getMessage());
            }
        }
        var data = new FeedbackData(List.copyOf(promptsByText.values()), completions, judgements);
        return new ImportResult(data, comparisons.size(), problems.size(), problems);
    }

    /** A response as text; a few responses are a bare JSON {@code true} or number, kept as written in the file. */
    private static String response(JsonObject json, String field) {
        JsonElement e = json.get(field);
        if (e != null && e.isJsonPrimitive() && !e.getAsJsonPrimitive().isString()) return e.getAsString();
        return FeedbackJson.requiredString(json, field);
    }

    private void importComparison(JsonObject json, Map<String, Prompt> promptsByText, List<Completion> completions,
                                  List<Judgement> judgements) {
        int idx = FeedbackJson.integer(json.get("idx"), "idx");
        String instruction = FeedbackJson.requiredString(json, "instruction");
        String input = json.has("input") ? FeedbackJson.string(json.get("input"), "input") : "";
        String text = input.isEmpty() ? instruction : instruction + "\n\n" + input;
        String[] models = json.has("cmp_key") ? FeedbackJson.string(json.get("cmp_key"), "cmp_key").split("_") : new String[0];
        String response1 = response(json, "response1");
        String response2 = response(json, "response2");
        int[] verdicts = new int[3];
        for (int a = 0; a < 3; a++) {
            String field = "annotator" + (a + 1);
            verdicts[a] = FeedbackJson.integer(json.get(field), field);
            if (verdicts[a] < 0 || verdicts[a] > 2) {
                throw new IllegalArgumentException("field '" + field + "' must be 0 (tie), 1 or 2, got " + verdicts[a]);
            }
        }
        // everything is valid: add the records
        Prompt prompt = promptsByText.computeIfAbsent(text, t -> {
            Map<String, String> metadata = new LinkedHashMap<>();
            metadata.put("source", "WeOpenML/PandaLM testset-v1");
            if (json.has("motivation_app")) metadata.put("motivation_app", FeedbackJson.string(json.get("motivation_app"), "motivation_app"));
            return new Prompt("pandalm-p" + promptsByText.size(), t, metadata);
        });
        String first = "pandalm-" + idx + "-1", second = "pandalm-" + idx + "-2";
        completions.add(new Completion(first, prompt.id(), response1, null,
                models.length == 2 ? SamplingSettings.modelOnly(models[0]) : null));
        completions.add(new Completion(second, prompt.id(), response2, null,
                models.length == 2 ? SamplingSettings.modelOnly(models[1]) : null));
        for (int a = 0; a < 3; a++) {
            Ranking ranking = switch (verdicts[a]) {
                case 0 -> Ranking.of(new String[] {first, second});
                case 1 -> Ranking.strict(first, second);
                default -> Ranking.strict(second, first);
            };
            judgements.add(Judgement.of("annotator" + (a + 1), criterion, prompt.id(), ranking, null));
        }
    }
}
