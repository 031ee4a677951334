package rlhf4j.transformer.tokenizer;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import rlhf4j.tensor.io.Quote;
import rlhf4j.transformer.io.ConfigJson;
import rlhf4j.transformer.io.FileFormatException;

/**
 * One token per character, for small demos (nanoGPT's shakespeare_char): the vocabulary is the corpus's distinct
 * characters sorted by code point, and id i is the i-th of them. Characters are Unicode code points, so an emoji
 * is one token. No special tokens.
 */
public final class CharTokenizer implements Tokenizer {
    private final int[] chars;                                   // id → code point, ascending
    private final Map<Integer, Integer> idOf = new HashMap<>();  // code point → id

    /** A tokenizer over these characters (any order, no duplicates); ids follow code-point order. */
    public CharTokenizer(String alphabet) {
        this.chars = alphabet.codePoints().sorted().toArray();
        for (int id = 0; id < chars.length; id++) {
            if (id > 0 && chars[id] == chars[id - 1])
                throw new IllegalArgumentException("character " + describe(chars[id]) + " appears twice in the alphabet");
            idOf.put(chars[id], id);
        }
    }

    /** The vocabulary of a corpus: its distinct characters. */
    public static CharTokenizer fromCorpus(String corpus) {
        StringBuilder sb = new StringBuilder();
        corpus.codePoints().distinct().forEach(sb::appendCodePoint);
        return new CharTokenizer(sb.toString());
    }

    @Override public int[] encode(String text) {
        int[] cps = text.codePoints().toArray();
        int[] ids = new int[cps.length];
        for (int i = 0; i < cps.length; i++) {
            Integer id = idOf.get(cps[i]);
            if (id == null)
                throw new IllegalArgumentException("character " + describe(cps[i]) + " at code point index " + i
                        + " is not in the vocabulary of " + chars.length + " characters");
            ids[i] = id;
        }
        return ids;
    }

    @Override public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder(ids.length);
        for (int id : ids) sb.appendCodePoint(chars[checkId(id)]);
        return sb.toString();
    }

    @Override public int vocabSize() { return chars.length; }

    @Override public String token(int id) { return Character.toString(chars[checkId(id)]); }

    /** All characters in id order. */
    public String alphabet() {
        StringBuilder sb = new StringBuilder();
        for (int c : chars) sb.appendCodePoint(c);
        return sb.toString();
    }

    private int checkId(int id) {
        if (id < 0 || id >= chars.length)
            throw new IllegalArgumentException("token id " + id + " outside the vocabulary [0, " + chars.length + ")");
        return id;
    }

    private static String describe(int cp) { return String.format("'%s' (U+%04X)", Character.toString(cp), cp); }

    /** Writes {@code {"type": "char", "chars": "<alphabet in id order>"}}. */
    public void save(Path file) throws IOException {
        JsonObject obj = new JsonObject();
        obj.addProperty("type", "char");
        obj.addProperty("chars", alphabet());
        Files.writeString(file, obj.toString(), StandardCharsets.UTF_8);
    }

    public static CharTokenizer load(Path file) throws IOException {
        try {
            JsonObject obj = ConfigJson.readObject(file);
            if (!obj.has("type") || !"char".equals(obj.get("type").getAsString()))
                throw new FileFormatException(file, "expected \"type\": \"char\", got " + Quote.cap(obj.get("type")));
            if (!obj.has("chars")) throw new FileFormatException(file, "missing \"chars\"");
            return new CharTokenizer(obj.get("chars").getAsString());
        } catch (RuntimeException e) {
            throw new FileFormatException(file, "not a character tokenizer file: " + Quote.cap(e.getMessage()), e);
        }
    }
}
