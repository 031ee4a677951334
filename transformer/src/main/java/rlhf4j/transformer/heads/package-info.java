/**
 * Heads on a transformer's hidden states (B, T, C): a value per token ({@link rlhf4j.transformer.heads.ValueHead}),
 * scores per sequence at its last real token ({@link rlhf4j.transformer.heads.SequenceHead}: reward or classes),
 * and {@link rlhf4j.transformer.heads.HeadedModel} to carry several on one trunk.
 */
package rlhf4j.transformer.heads;
