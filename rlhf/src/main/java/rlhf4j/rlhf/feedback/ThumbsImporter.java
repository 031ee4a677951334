package rlhf4j.rlhf.feedback;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Imports thumbs-up/down labels: JSONL lines {@code {"prompt": text, "completion": text, "label": "up"|"down",
 * "labeler"?: id}}.
 *
 * <p>A thumb is an absolute label, not a comparison. It becomes a ranking this way: within one prompt and one
 * labeler, every "up" completion ranks above every "down" completion, and the completions inside each group tie, so
 * the ranking is {@code [[ups...], [downs...]]}. Such a ranking yields one preference pair per (up, down) couple and
 * none inside a group. A prompt whose labeler gave only ups, or only downs, gets a single-tier ranking (all tied, no
 * pairs); one with a single completion gets no judgement. Equal prompt texts share one prompt ({@code thumbs-p0} ...),
 * equal completion texts of a prompt share one completion ({@code thumbs-p0-c0} ...). A completion given both an up
 * and a down by the same labeler is a conflict: it is left out of that judgement and reported.
 */
public final class ThumbsImporter {
    private final String defaultLabeler;
    private final String criterion;

    /** @param defaultLabeler the labeler of lines without a {@code labeler} field */
    public ThumbsImporter(String defaultLabeler, String criterion) {
        this.defaultLabeler = defaultLabeler;
        this.criterion = criterion;
    }

    public ThumbsImporter() { this("thumbs", "helpfulness"); }

    public ImportResult importFile(Path file) throws IOException {
        Map<String, Prompt> promptsByText = new LinkedHashMap<>();
        Map<String, Map<String, Completion>> completionsByPromptAndText = new LinkedHashMap<>();
        // (prompt id, labeler) → completion ids thumbed up / down
        Map<List<String>, Set<String>> ups = new LinkedHashMap<>(), downs = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        int[] read = {0};
        Jsonl.forEachNumbered(file, JsonlCodec.RAW, (line, json) -> {
            read[0]++;
            try {
                importLine(json, promptsByText, completionsByPromptAndText, ups, downs);
            } catch (IllegalArgumentException e) {
                problems.add(file + ":" + line + ": " + e.getMessage());
            }
        }, error -> {
            read[0]++;
            problems.add(error.getMessage());
        });
        int skipped = problems.size();

        List<Judgement> judgements = new ArrayList<>();
        for (List<String> group : ups.keySet()) {
            Set<String> up = new LinkedHashSet<>(ups.get(group));
            Set<String> down = new LinkedHashSet<>(downs.get(group));
            for (String conflicted : List.copyOf(up)) {
                if (down.remove(conflicted)) {
                    up.remove(conflicted);
                    problems.add(file + ": completion " + conflicted + " has both up and down from labeler "
                            + group.get(1) + "; left out of that labeler's ranking");
                }
            }
            List<List<String>> tiers = new ArrayList<>();
            if (!up.isEmpty()) tiers.add(List.copyOf(up));
            if (!down.isEmpty()) tiers.add(List.copyOf(down));
            Ranking ranking = new Ranking(tiers);
            if (ranking.size() >= 2) judgements.add(Judgement.of(group.get(1), criterion, group.get(0), ranking, null));
        }
        List<Completion> completions = new ArrayList<>();
        completionsByPromptAndText.values().forEach(byText -> completions.addAll(byText.values()));
        var data = new FeedbackData(List.copyOf(promptsByText.values()), completions, judgements);
        return new ImportResult(data, read[0], skipped, problems);
    }

    private void importLine(JsonObject json, Map<String, Prompt> promptsByText,
                            Map<String, Map<String, Completion>> completionsByPromptAndText,
                            Map<List<String>, Set<String>> ups, Map<List<String>, Set<String>> downs) {
        String promptText = FeedbackJson.requiredString(json, "prompt");
        String completionText = FeedbackJson.requiredString(json, "completion");
        String label = FeedbackJson.requiredString(json, "label").toLowerCase(Locale.ROOT);
        if (!label.equals("up") && !label.equals("down")) {
            throw new IllegalArgumentException("field 'label' must be \"up\" or \"down\", got \"" + label + "\"");
        }
        String labeler = json.has("labeler") ? FeedbackJson.string(json.get("labeler"), "labeler") : defaultLabeler;
        Prompt prompt = promptsByText.computeIfAbsent(promptText,
                t -> new Prompt("thumbs-p" + promptsByText.size(), t));
        Map<String, Completion> byText = completionsByPromptAndText.computeIfAbsent(prompt.id(), k -> new LinkedHashMap<>());
        Completion completion = byText.computeIfAbsent(completionText,
                t -> new Completion(prompt.id() + "-c" + byText.size(), prompt.id(), t));
        var group = List.of(prompt.id(), labeler);
        // both maps get every group at its first line, so that ups.keySet() lists the groups in file order
        Set<String> up = ups.computeIfAbsent(group, k -> new LinkedHashSet<>());
        Set<String> down = downs.computeIfAbsent(group, k -> new LinkedHashSet<>());
        (label.equals("up") ? up : down).add(completion.id());
    }
}
