package rlhf4j.rlhf.feedback;

import java.util.Arrays;
import java.util.Objects;

/**
 * One completion of a prompt.
 *
 * @param id       unique within a data set
 * @param promptId the {@link Prompt#id()} it continues
 * @param text     the completion alone; {@code prompt.text() + text} is the full transcript
 * @param tokenIds the completion's token ids under the sampling model's tokenizer; empty when not recorded
 * @param sampling the model and sampler that produced it; {@code null} when unknown
 */
public record Completion(String id, String promptId, String text, int[] tokenIds, SamplingSettings sampling) {
    public Completion {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(promptId, "promptId");
        Objects.requireNonNull(text, "text");
        tokenIds = tokenIds == null ? new int[0] : tokenIds.clone();
    }

    public Completion(String id, String promptId, String text) { this(id, promptId, text, new int[0], null); }

    /** A copy, so that the record stays immutable. */
    @Override public int[] tokenIds() { return tokenIds.clone(); }

    // arrays compare by identity in a record's generated methods; compare the token ids by value instead
    @Override public boolean equals(Object o) {
        return o instanceof Completion c && id.equals(c.id) && promptId.equals(c.promptId) && text.equals(c.text)
                && Arrays.equals(tokenIds, c.tokenIds) && Objects.equals(sampling, c.sampling);
    }

    @Override public int hashCode() {
        return Objects.hash(id, promptId, text, Arrays.hashCode(tokenIds), sampling);
    }

    @Override public String toString() {
        return "Completion[id=" + id + ", promptId=" + promptId + ", text=" + text + ", tokenIds="
                + Arrays.toString(tokenIds) + ", sampling=" + sampling + "]";
    }
}
