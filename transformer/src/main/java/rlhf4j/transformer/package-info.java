/**
 * Decoder-only transformers for RLHF. {@link rlhf4j.transformer.TransformerModel} is what the rest of the library
 * sees: {@code hidden(ids, mask)} → (B, T, C), {@code logits(hidden)} → (B, T, V), and a KV-cached
 * {@code forward(ids, positions, keyBias, cache)}. Two families implement it, {@link rlhf4j.transformer.gpt2.Gpt2}
 * and {@link rlhf4j.transformer.llama.Llama}, sharing one {@link rlhf4j.transformer.Attention}.
 * {@link rlhf4j.transformer.Models#load} opens any supported checkpoint; heads for values, rewards and classes are
 * in {@link rlhf4j.transformer.heads}, sampling in {@link rlhf4j.transformer.generate}.
 *
 * <p>Padding convention (Hugging Face's): a mask (B, T) holds 1 for real tokens and 0 for padding on either side;
 * positions count real tokens only and padding keys are never attended, so a padded row computes what it would
 * alone.
 */
package rlhf4j.transformer;
