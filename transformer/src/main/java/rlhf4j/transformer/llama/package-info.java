/**
 * Llama: RMSNorm, rotary embeddings in either layout ({@link rlhf4j.transformer.llama.Rotary}), grouped-query
 * attention, SwiGLU MLP; loads llama2.c files and Hugging Face directories.
 */
package rlhf4j.transformer.llama;
