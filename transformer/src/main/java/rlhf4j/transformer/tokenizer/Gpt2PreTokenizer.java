package rlhf4j.transformer.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's pre-tokenisation: text is cut into chunks before BPE, and merges never cross a chunk boundary.
 *
 * <p>The pattern keeps English contractions apart, glues one optional leading space to a run of letters, of digits
 * or of other symbols, and leaves the last space of a whitespace run to the word that follows it.
 * {@code \s} is Unicode whitespace here, as in the Python {@code regex} module GPT-2 used.
 */
public final class Gpt2PreTokenizer {
    public static final Pattern PATTERN = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private Gpt2PreTokenizer() {}

    /** The chunks of a text, in order; they concatenate back to the text. */
    public static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = PATTERN.matcher(text);
        while (m.find()) out.add(m.group());
        return out;
    }

    /**
     * The chunks of a byte sequence as UTF-8 byte arrays: each run of well-formed UTF-8 is split with the pattern;
     * each maximal run of malformed bytes is one chunk of its own. They concatenate back to the input.
     */
    public static List<byte[]> splitBytes(byte[] bytes) {
        List<byte[]> out = new ArrayList<>();
        int i = 0;
        while (i < bytes.length) {
            int start = i;
            if (Utf8.validLength(bytes, i) > 0) {
                int len;
                while (i < bytes.length && (len = Utf8.validLength(bytes, i)) > 0) i += len;
                for (String chunk : split(new String(bytes, start, i - start, StandardCharsets.UTF_8)))
                    out.add(chunk.getBytes(StandardCharsets.UTF_8));
            } else {
                while (i < bytes.length && Utf8.validLength(bytes, i) == 0) i++;
                out.add(java.util.Arrays.copyOfRange(bytes, start, i));
            }
        }
        return out;
    }
}
