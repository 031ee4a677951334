package rlhf4j.rlhf.feedback;

import java.util.Objects;

/**
 * The model and sampler that produced a completion. Only the checkpoint is required: imported data sets often name
 * the model and nothing else, so the sampler fields are {@code null} when unknown.
 *
 * @param checkpoint  the model, e.g. a checkpoint file name or {@code "llama-7b"}
 * @param temperature softmax temperature; {@code null} if unknown
 * @param topP        nucleus threshold in (0, 1]; {@code null} if unknown or not used
 * @param topK        top-k cut-off; {@code null} if unknown or not used
 * @param seed        the sampler's random seed; {@code null} if unknown
 */
public record SamplingSettings(String checkpoint, Double temperature, Double topP, Integer topK, Long seed) {
    public SamplingSettings {
        Objects.requireNonNull(checkpoint, "checkpoint");
    }

    /** A completion from {@code checkpoint} sampled in some unrecorded way. */
    public static SamplingSettings modelOnly(String checkpoint) {
        return new SamplingSettings(checkpoint, null, null, null, null);
    }
}
