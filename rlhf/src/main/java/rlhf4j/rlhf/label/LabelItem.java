package rlhf4j.rlhf.label;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.Prompt;

/** What a labeler is shown at once: a prompt and its K completions, in the order they are numbered 1..K. */
public record LabelItem(Prompt prompt, List<Completion> completions) {
    public LabelItem {
        completions = List.copyOf(completions);
        for (Completion c : completions) {
            if (!c.promptId().equals(prompt.id())) {
                throw new IllegalArgumentException("completion " + c.id() + " belongs to prompt " + c.promptId()
                        + ", not " + prompt.id());
            }
        }
    }

    /**
     * One item per prompt that has completions, prompts in the given order, each prompt's completions in file order.
     * Completions whose prompt is missing are an error.
     */
    public static List<LabelItem> of(List<Prompt> prompts, List<Completion> completions) {
        Map<String, List<Completion>> byPrompt = new java.util.LinkedHashMap<>();
        for (Completion c : completions) byPrompt.computeIfAbsent(c.promptId(), k -> new ArrayList<>()).add(c);
        List<LabelItem> items = new ArrayList<>();
        for (Prompt p : prompts) {
            List<Completion> cs = byPrompt.remove(p.id());
            if (cs != null) items.add(new LabelItem(p, cs));
        }
        if (!byPrompt.isEmpty()) {
            throw new IllegalArgumentException("completions refer to prompts that are not in the prompts file: "
                    + byPrompt.keySet().stream().limit(5).toList());
        }
        return items;
    }
}
