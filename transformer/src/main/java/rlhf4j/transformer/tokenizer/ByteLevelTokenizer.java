package rlhf4j.transformer.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * A tokenizer whose tokens are byte strings, so it can encode any byte sequence, valid UTF-8 or not, and
 * {@code decodeBytes(encodeBytes(b))} returns {@code b} exactly.
 *
 * <p>{@link #decode(int[])} turns the bytes into a String; invalid UTF-8 (e.g. a multi-byte character cut between
 * two generated tokens) becomes U+FFFD there, which is why the byte-level methods exist. Likewise a String with
 * an unpaired surrogate is not valid Unicode: {@link #encode(String)} sees it as '?', as Java's UTF-8 encoder does.
 */
public interface ByteLevelTokenizer extends Tokenizer {

    /** Ids for a byte sequence (need not be valid UTF-8). */
    int[] encodeBytes(byte[] bytes);

    /** The exact bytes of these ids, concatenated. */
    byte[] decodeBytes(int[] ids);

    @Override default int[] encode(String text) { return encodeBytes(text.getBytes(StandardCharsets.UTF_8)); }

    @Override default String decode(int[] ids) { return new String(decodeBytes(ids), StandardCharsets.UTF_8); }
}
