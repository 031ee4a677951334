package rlhf4j.transformer.tokenizer;

/**
 * Text ↔ token ids.
 *
 * <p>Every tokenizer here round-trips: {@code decode(encode(text)).equals(text)} for any text it can encode.
 * Special ids are −1 when the tokenizer has no such token.
 */
public interface Tokenizer {

    /** The ids a model is fed for this text (including a BOS where the tokenizer's convention prepends one). */
    int[] encode(String text);

    /**
     * The text of these ids. Special tokens render as the tokenizer's convention has it: sentencepiece's BOS/EOS
     * as nothing, GPT-2's {@code <|endoftext|>} as its own text.
     */
    String decode(int[] ids);

    /** Number of distinct ids: every id lies in [0, vocabSize). */
    int vocabSize();

    /** Beginning-of-sequence id, or −1. */
    default int bosId() { return -1; }

    /** End-of-sequence id, or −1. */
    default int eosId() { return -1; }

    /** Padding id (distinct from EOS where both exist), or −1. */
    default int padId() { return -1; }

    /** A readable form of one token, for debugging and display. */
    String token(int id);
}
