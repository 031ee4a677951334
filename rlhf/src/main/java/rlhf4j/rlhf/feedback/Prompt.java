package rlhf4j.rlhf.feedback;

import java.util.Collections;
import java.util.LinkedHashMap;
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
        // a copy that keeps the given order, so that files round-trip unchanged
        metadata = metadata == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        metadata.forEach((key, value) -> Objects.requireNonNull(value, "metadata value of " + key));
    }

    public Prompt(String id, String text) { this(id, text, Map.of()); }
}
