package rlhf4j.transformer.tokenizer;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import rlhf4j.tensor.io.Quote;
import rlhf4j.tensor.io.Utf8Text;
import rlhf4j.transformer.io.ConfigJson;
import rlhf4j.transformer.io.FileFormatException;

/**
 * Byte-level byte-pair encoding, as GPT-2.
 *
 * <p>Every token is a byte string. The 256 single bytes are tokens, so any input is encodable; each merge
 * {@code (left, right) → result} adds the token {@code bytes(left) + bytes(right)}. Encoding cuts the text into
 * chunks with {@link Gpt2PreTokenizer}, then, inside each chunk, repeatedly applies the merge of lowest rank
 * (earliest learned) present among adjacent tokens, to every non-overlapping occurrence from left to right,
 * until no merge applies.
 *
 * <p>Special tokens ({@value #END_OF_TEXT}, {@value #PAD}) are whole tokens outside the merge table: no merge ever
 * produces them, and the plain {@link #encode(String)} encodes their literal text like any other text. Only
 * {@link #encode(String, boolean)} with {@code allowSpecialTokens} turns their literal text into their ids.
 * As in GPT-2, {@value #END_OF_TEXT} is both the BOS and the EOS token; the pad token is a separate id.
 */
public final class BpeTokenizer implements ByteLevelTokenizer {
    public static final String END_OF_TEXT = "<|endoftext|>";
    public static final String PAD = "<|pad|>";

    /** One merge rule: tokens {@code left} and {@code right}, adjacent, become token {@code result}. */
    public record Merge(int left, int right, int result) {}

    private final byte[][] tokenBytes;                 // id → the bytes it decodes to
    private final int[] byteToId;                      // byte value → id of its single-byte token
    private final List<Merge> merges;                  // in rank order
    private final Map<Long, Integer> rankOfPair = new HashMap<>();  // pairKey(left, right) → rank
    private final Map<String, Integer> specialIds;     // special text → id, in id order
    private final boolean[] isSpecial;                 // id → special?
    private final Pattern specialPattern;              // alternation of the special texts, longest first
    private final Map<String, int[]> chunkCache = new ConcurrentHashMap<>();   // chunk bytes (Latin-1) → ids

    /**
     * @param tokenBytes the bytes of every id (for a special token: its UTF-8 text)
     * @param merges     merge rules in rank order; each result's bytes must be its parts' bytes concatenated
     * @param specials   special texts → ids; these ids must not be single bytes or merge results
     */
    public BpeTokenizer(byte[][] tokenBytes, List<Merge> merges, Map<String, Integer> specials) {
        int n = tokenBytes.length;
        this.tokenBytes = new byte[n][];
        for (int i = 0; i < n; i++) this.tokenBytes[i] = tokenBytes[i].clone();
        this.merges = List.copyOf(merges);
        this.isSpecial = new boolean[n];
        boolean[] reachable = new boolean[n];           // a single byte or a merge result
        this.byteToId = new int[256];
        Arrays.fill(byteToId, -1);
        Map<String, Integer> sortedSpecials = new LinkedHashMap<>();
        specials.entrySet().stream().sorted(Map.Entry.comparingByValue())
                .forEach(e -> sortedSpecials.put(e.getKey(), e.getValue()));
        this.specialIds = Collections.unmodifiableMap(sortedSpecials);
        for (var e : specialIds.entrySet()) {
            int id = checkId(e.getValue(), n, "special token " + Quote.cap(e.getKey()));
            if (e.getKey().isEmpty()) throw new IllegalArgumentException("special token " + id + " has no text");
            if (isSpecial[id]) throw new IllegalArgumentException("two special tokens share id " + id);
            isSpecial[id] = true;
        }
        for (int id = 0; id < n; id++) {
            if (!isSpecial[id] && this.tokenBytes[id].length == 1) {
                int b = this.tokenBytes[id][0] & 0xFF;
                if (byteToId[b] < 0) { byteToId[b] = id; reachable[id] = true; }
            }
        }
        for (int b = 0; b < 256; b++)
            if (byteToId[b] < 0) throw new IllegalArgumentException(String.format("no token for byte 0x%02X", b));
        for (int rank = 0; rank < this.merges.size(); rank++) {
            Merge m = this.merges.get(rank);
            checkId(m.left, n, "merge " + rank);
            checkId(m.right, n, "merge " + rank);
            checkId(m.result, n, "merge " + rank);
            if (isSpecial[m.left] || isSpecial[m.right] || isSpecial[m.result])
                throw new IllegalArgumentException("merge " + rank + " " + m + " involves a special token");
            byte[] joined = concat(this.tokenBytes[m.left], this.tokenBytes[m.right]);
            if (!Arrays.equals(joined, this.tokenBytes[m.result]))
                throw new IllegalArgumentException("merge " + rank + " " + m + ": result token is not its parts joined");
            rankOfPair.putIfAbsent(pairKey(m.left, m.right), rank);
            reachable[m.result] = true;
        }
        for (int id = 0; id < n; id++)
            if (!reachable[id] && !isSpecial[id])
                throw new IllegalArgumentException("token " + id + " " + Quote.cap(token(id))
                        + " is neither a byte, a merge result nor a special token");
        List<String> texts = new ArrayList<>(specialIds.keySet());
        texts.sort((a, b) -> b.length() - a.length());    // longest first, so a prefix never wins over its extension
        this.specialPattern = texts.isEmpty() ? null
                : Pattern.compile(String.join("|", texts.stream().map(Pattern::quote).toList()));
    }

    private static int checkId(int id, int n, String what) {
        if (id < 0 || id >= n) throw new IllegalArgumentException(what + ": id " + id + " outside [0, " + n + ")");
        return id;
    }

    static long pairKey(int left, int right) { return ((long) left << 32) | (right & 0xFFFFFFFFL); }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    // ================================================================================================ encoding

    @Override public int[] encodeBytes(byte[] bytes) {
        IntList out = new IntList(bytes.length / 3 + 4);
        for (byte[] chunk : Gpt2PreTokenizer.splitBytes(bytes)) out.addAll(encodeChunk(chunk));
        return out.toArray();
    }

    /** Encodes text; with {@code allowSpecialTokens}, literal special-token texts become their ids. */
    public int[] encode(String text, boolean allowSpecialTokens) {
        if (!allowSpecialTokens || specialPattern == null) return encode(text);
        IntList out = new IntList(text.length() / 3 + 4);
        Matcher m = specialPattern.matcher(text);
        int at = 0;
        while (m.find()) {
            out.addAll(encode(text.substring(at, m.start())));
            out.add(specialIds.get(m.group()));
            at = m.end();
        }
        out.addAll(encode(text.substring(at)));
        return out.toArray();
    }

    /** BPE inside one pre-token chunk (cached: natural text repeats its words). */
    int[] encodeChunk(byte[] chunk) {
        String key = new String(chunk, StandardCharsets.ISO_8859_1);   // one char per byte: a faithful key
        int[] cached = chunkCache.get(key);
        if (cached != null) return cached;
        int[] ids = mergeChunk(chunk);
        if (chunkCache.size() > 200_000) chunkCache.clear();          // bound memory on adversarial input
        chunkCache.put(key, ids);
        return ids;
    }

    private int[] mergeChunk(byte[] chunk) {
        int[] word = new int[chunk.length];
        for (int i = 0; i < chunk.length; i++) word[i] = byteToId[chunk[i] & 0xFF];
        int len = word.length;
        while (len > 1) {
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < len; i++) {
                Integer r = rankOfPair.get(pairKey(word[i], word[i + 1]));
                if (r != null && r < bestRank) bestRank = r;
            }
            if (bestRank == Integer.MAX_VALUE) break;
            Merge m = merges.get(bestRank);
            int w = 0;
            for (int i = 0; i < len; i++) {          // merge every occurrence, left to right, in place
                if (i + 1 < len && word[i] == m.left && word[i + 1] == m.right) { word[w++] = m.result; i++; }
                else word[w++] = word[i];
            }
            len = w;
        }
        return Arrays.copyOf(word, len);
    }

    // ================================================================================================ decoding

    @Override public byte[] decodeBytes(int[] ids) {
        int total = 0;
        for (int id : ids) {
            if (id < 0 || id >= tokenBytes.length)
                throw new IllegalArgumentException("token id " + id + " outside the vocabulary [0, " + tokenBytes.length + ")");
            total += tokenBytes[id].length;
        }
        byte[] out = new byte[total];
        int at = 0;
        for (int id : ids) {
            byte[] b = tokenBytes[id];
            System.arraycopy(b, 0, out, at, b.length);
            at += b.length;
        }
        return out;
    }

    /** The bytes one id decodes to. */
    public byte[] bytesOf(int id) {
        if (id < 0 || id >= tokenBytes.length)
            throw new IllegalArgumentException("token id " + id + " outside the vocabulary [0, " + tokenBytes.length + ")");
        return tokenBytes[id].clone();
    }

    // ================================================================================================ metadata

    @Override public int vocabSize() { return tokenBytes.length; }

    @Override public int bosId() { return specialId(END_OF_TEXT); }

    @Override public int eosId() { return specialId(END_OF_TEXT); }

    @Override public int padId() { return specialId(PAD); }

    /** The id of a special token, or −1. */
    public int specialId(String text) { return specialIds.getOrDefault(text, -1); }

    /** Special texts → ids, in id order. */
    public Map<String, Integer> specialTokens() { return specialIds; }

    public boolean isSpecial(int id) { return id >= 0 && id < isSpecial.length && isSpecial[id]; }

    /** The merge rules in rank order. */
    public List<Merge> merges() { return merges; }

    /** The vocab.json form of a token: GPT-2's byte-to-char text, or a special token's own text. */
    @Override public String token(int id) {
        if (id < 0 || id >= tokenBytes.length) throw new IllegalArgumentException("token id " + id + " out of range");
        return isSpecial[id] ? new String(tokenBytes[id], StandardCharsets.UTF_8) : ByteUnicode.encode(tokenBytes[id]);
    }

    /**
     * This tokenizer with one more special token at id {@code vocabSize()}; e.g. a pad token for GPT-2's files,
     * which have only {@value #END_OF_TEXT}. (A model using it needs an embedding row for the new id.)
     */
    public BpeTokenizer withSpecialToken(String text) {
        if (specialIds.containsKey(text)) throw new IllegalArgumentException("special token " + text + " exists already");
        if (text.isEmpty()) throw new IllegalArgumentException("a special token needs text");
        byte[][] bytes = Arrays.copyOf(tokenBytes, tokenBytes.length + 1);
        bytes[tokenBytes.length] = text.getBytes(StandardCharsets.UTF_8);
        Map<String, Integer> specials = new LinkedHashMap<>(specialIds);
        specials.put(text, tokenBytes.length);
        return new BpeTokenizer(bytes, merges, specials);
    }

    // ================================================================================================ files

    /**
     * Reads GPT-2's {@code vocab.json} (token text → id, ids dense from 0) and {@code merges.txt} (an optional
     * {@code #version} line, then one merge per line: two token texts separated by one space, in rank order).
     * Tokens that are neither single bytes nor merge results are the special tokens.
     */
    public static BpeTokenizer load(Path vocabJson, Path mergesTxt) throws IOException {
        JsonObject obj = ConfigJson.readObject(vocabJson);
        int n = obj.size();
        String[] texts = new String[n];
        Map<String, Integer> idOf = new HashMap<>();
        for (var e : obj.entrySet()) {
            int id = ConfigJson.integer(vocabJson, e.getValue(), "the id of token " + Quote.cap(e.getKey()));
            if (id < 0 || id >= n)
                throw new FileFormatException(vocabJson, "token " + Quote.cap(e.getKey()) + " has id " + id
                        + "; ids must be dense in [0, " + n + ")");
            if (texts[id] != null)
                throw new FileFormatException(vocabJson, "id " + id + " is used by both " + Quote.cap(texts[id]) + " and "
                        + Quote.cap(e.getKey()));
            texts[id] = e.getKey();
            idOf.put(e.getKey(), id);
        }
        List<Merge> merges = new ArrayList<>();
        boolean[] isResult = new boolean[n];
        List<String> lines;
        try {
            lines = Utf8Text.read(mergesTxt).lines().toList();
        } catch (Utf8Text.MalformedException e) {
            throw new FileFormatException(mergesTxt, e.getMessage());
        }
        for (int ln = 0; ln < lines.size(); ln++) {
            String line = lines.get(ln);
            if (line.isEmpty() || (ln == 0 && line.startsWith("#version"))) continue;
            String[] parts = line.split(" ", -1);
            if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty())
                throw new FileFormatException(mergesTxt, "line " + (ln + 1) + " is not two tokens separated by one space: "
                        + Quote.cap(line));
            Integer left = idOf.get(parts[0]), right = idOf.get(parts[1]), result = idOf.get(parts[0] + parts[1]);
            if (left == null || right == null || result == null)
                throw new FileFormatException(mergesTxt, "line " + (ln + 1) + " '" + Quote.cap(line) + "' uses a token missing from "
                        + vocabJson.getFileName() + ": " + Quote.cap(left == null ? parts[0] : right == null ? parts[1]
                        : parts[0] + parts[1]));
            merges.add(new Merge(left, right, result));
            isResult[result] = true;
        }
        byte[][] bytes = new byte[n][];
        Map<String, Integer> specials = new HashMap<>();
        for (int id = 0; id < n; id++) {
            byte[] b = ByteUnicode.decode(texts[id]);
            boolean singleByte = b != null && b.length == 1;
            if (singleByte || isResult[id]) {
                if (b == null) throw new FileFormatException(vocabJson, "merge result " + Quote.cap(texts[id])
                        + " contains a character outside GPT-2's byte alphabet");
                bytes[id] = b;
            } else {
                bytes[id] = texts[id].getBytes(StandardCharsets.UTF_8);
                specials.put(texts[id], id);
            }
        }
        try {
            return new BpeTokenizer(bytes, merges, specials);
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(mergesTxt, e.getMessage(), e);
        }
    }

    /** Writes {@code vocab.json} and {@code merges.txt} in GPT-2's formats (readable by {@link #load}). */
    public void save(Path vocabJson, Path mergesTxt) throws IOException {
        JsonObject obj = new JsonObject();
        for (int id = 0; id < tokenBytes.length; id++) obj.add(token(id), new JsonPrimitive(id));
        try (Writer w = Files.newBufferedWriter(vocabJson, StandardCharsets.UTF_8)) {
            new GsonBuilder().disableHtmlEscaping().create().toJson(obj, w);
        }
        StringBuilder sb = new StringBuilder("#version: 0.2\n");
        for (Merge m : merges) sb.append(token(m.left)).append(' ').append(token(m.right)).append('\n');
        Files.writeString(mergesTxt, sb, StandardCharsets.UTF_8);
    }

    /** A growable int array. */
    static final class IntList {
        private int[] a;
        private int n;

        IntList(int capacity) { a = new int[Math.max(capacity, 4)]; }

        void add(int v) {
            if (n == a.length) a = Arrays.copyOf(a, a.length * 2);
            a[n++] = v;
        }

        void addAll(int[] vs) {
            if (n + vs.length > a.length) a = Arrays.copyOf(a, Math.max(a.length * 2, n + vs.length));
            System.arraycopy(vs, 0, a, n, vs.length);
            n += vs.length;
        }

        int size() { return n; }

        int[] toArray() { return Arrays.copyOf(a, n); }
    }
}
