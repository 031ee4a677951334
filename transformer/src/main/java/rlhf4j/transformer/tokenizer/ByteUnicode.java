package rlhf4j.transformer.tokenizer;

/**
 * GPT-2's reversible map between the 256 byte values and 256 printable Unicode characters.
 *
 * <p>vocab.json and merges.txt store byte strings as text, so every byte needs a visible, non-space character:
 * the 188 bytes that are already printable Latin-1 ('!'..'~', '¡'..'¬', '®'..'ÿ') map to themselves; the other
 * 68 (controls, space, DEL, NBSP, soft hyphen, ...) map in increasing byte order to U+0100, U+0101, ....
 * So space (0x20) is 'Ġ' (U+0120) and newline (0x0A) is 'Ċ' (U+010A), as seen throughout GPT-2's vocabulary.
 */
public final class ByteUnicode {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[0x100 + 68];   // every mapped char is below U+0144

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int next = 0x100;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) next++;
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteUnicode() {}

    /** The character standing for one byte (0..255). */
    public static char charOf(int b) { return BYTE_TO_CHAR[b & 0xFF]; }

    /** The byte a character stands for, or −1 when the character is not one of the 256. */
    public static int byteOf(char c) { return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1; }

    /** Bytes → their GPT-2 text form (one char per byte). */
    public static String encode(byte[] bytes) {
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        return new String(out);
    }

    /** GPT-2 text form → bytes, or null when some char is not one of the 256. */
    public static byte[] decode(String text) {
        byte[] out = new byte[text.length()];
        for (int i = 0; i < out.length; i++) {
            int b = byteOf(text.charAt(i));
            if (b < 0) return null;
            out[i] = (byte) b;
        }
        return out;
    }
}
