/**
 * Model files: llama2.c checkpoints ({@link rlhf4j.transformer.io.Llama2cCheckpoints}, legacy and version 1) read
 * into a {@link rlhf4j.transformer.io.LlamaCheckpoint} (a {@link rlhf4j.transformer.io.LlamaConfig} plus tensors
 * under Hugging Face names, matrices [out, in]), and GPT-2's {@code config.json}
 * ({@link rlhf4j.transformer.io.Gpt2Config}). Malformed files raise a
 * {@link rlhf4j.transformer.io.FileFormatException} naming the file and what does not match.
 */
package rlhf4j.transformer.io;
