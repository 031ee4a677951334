package rlhf4j.rlhf.feedback;

import java.util.Map;
import java.util.Objects;

/**
 * A prompt shown to the policy and, with its completions, to the labelers.
 *
 * @param id       unique within a data set, e.g. {@code "hh-17"}
 * @param text     the prompt exactly as the model sees it
 * @param metadata free-form string pairs (source, category ...); empty when there are none
 */
public record Prompt(String id, String text, Map<String, String> metadata) {
    public Prompt {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(text, "text");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    public Prompt(String id, String text) { this(id, text, Map.of()); }
}
