/**
 * GPT-2 in nanoGPT's shape: {@link rlhf4j.transformer.gpt2.GptConfig}, {@link rlhf4j.transformer.gpt2.CausalSelfAttention},
 * {@link rlhf4j.transformer.gpt2.Mlp}, {@link rlhf4j.transformer.gpt2.Block}, {@link rlhf4j.transformer.gpt2.Gpt2},
 * with Hugging Face's parameter names so checkpoints move both ways.
 */
package rlhf4j.transformer.gpt2;
