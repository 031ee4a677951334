package rlhf4j.rlhf.feedback;

import java.util.List;
import java.util.Objects;

/**
 * What a group of labelers ranked together: one criterion, one prompt, one set of completions. Judgements agree or
 * disagree only within an item. (A prompt can hold several items, e.g. PandaLM shows each prompt's five model
 * answers two at a time.)
 *
 * @param criterion    the criterion judged
 * @param promptId     the prompt
 * @param completionIds the ranked completions, sorted so that the key does not depend on the order shown
 */
public record ItemKey(String criterion, String promptId, List<String> completionIds) {
    public ItemKey {
        Objects.requireNonNull(criterion, "criterion");
        Objects.requireNonNull(promptId, "promptId");
        completionIds = completionIds.stream().sorted().toList();
    }

    public static ItemKey of(String criterion, String promptId, List<String> completionIds) {
        return new ItemKey(criterion, promptId, completionIds);
    }

    @Override public String toString() { return criterion + "/" + promptId + completionIds; }
}
