package rlhf4j.transformer.io;

/**
 * Which pairs of a head's query/key features rotary embedding rotates together. The two layouts describe the same
 * model when the rows of {@code q_proj} and {@code k_proj} are permuted accordingly within each head
 * (see {@link LlamaCheckpoint#withRopeLayout}).
 */
public enum RopeLayout {
    /**
     * Features (2i, 2i+1) of each head form pair i, rotated by angle {@code pos · θ^(−2i/headSize)}. Meta's original
     * Llama and llama2.c ({@code run.c}) use this layout, and llama2.c checkpoints store q/k rows in it.
     */
    INTERLEAVED,
    /**
     * Features (i, i + headSize/2) of each head form pair i ("rotate_half"). Hugging Face's Llama uses this layout;
     * its conversion script permutes the q/k rows of Meta checkpoints into it.
     */
    HALF_SPLIT
}
