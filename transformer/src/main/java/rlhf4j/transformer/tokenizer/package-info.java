/**
 * Tokenizers: text ↔ token ids.
 *
 * <ul>
 *   <li>{@link rlhf4j.transformer.tokenizer.Tokenizer}: the common interface (encode, decode, vocabulary size,
 *       BOS/EOS/pad ids, −1 when absent); {@link rlhf4j.transformer.tokenizer.ByteLevelTokenizer} adds exact
 *       byte-level encoding for tokenizers that can encode any bytes.</li>
 *   <li>{@link rlhf4j.transformer.tokenizer.BpeTokenizer}: GPT-2's byte-level BPE; reads and writes
 *       {@code vocab.json} + {@code merges.txt}; {@link rlhf4j.transformer.tokenizer.BpeTrainer} learns one from a
 *       corpus.</li>
 *   <li>{@link rlhf4j.transformer.tokenizer.LlamaTokenizer}: llama2.c's {@code tokenizer.bin}, encoding and decoding
 *       exactly as its run.c.</li>
 *   <li>{@link rlhf4j.transformer.tokenizer.CharTokenizer}: one id per character, for small demos.</li>
 * </ul>
 */
package rlhf4j.transformer.tokenizer;
