package rlhf4j.transformer.tokenizer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import rlhf4j.transformer.io.FileFormatException;

/**
 * The sentencepiece-style tokenizer of llama2.c ({@code tokenizer.bin}), encoding and decoding exactly as its
 * {@code run.c} does.
 *
 * <p>File (little-endian): int32 {@code max_token_length}, then per token: float32 score, int32 byte length, the
 * piece's bytes. Id 0 is {@code <unk>}, 1 is BOS (piece {@code "\n<s>\n"}), 2 is EOS ({@code "\n</s>\n"}), 3..258
 * are the byte-fallback pieces {@code <0x00>..<0xFF>}; a sentencepiece '▁' is stored as a plain space.
 *
 * <p>Encoding (run.c's {@code encode}): optional BOS; a dummy-prefix token {@code " "} when the text is non-empty;
 * each UTF-8 character (a lead byte plus up to three continuation bytes) as its piece, or, when the vocabulary has
 * no such piece, as one byte-fallback token per byte (id = byte + 3); then, repeatedly, the adjacent pair whose
 * concatenation is a piece with the highest score is replaced by that piece (the leftmost pair on equal scores),
 * until no pair concatenates to a piece; optional EOS. Unlike C strings, a NUL byte in the text does not end it:
 * it is encoded by byte fallback.
 *
 * <p>Decoding (run.c's {@code decode}): a piece right after BOS loses its leading space (the dummy prefix); a
 * {@code <0xXX>} piece is the raw byte XX. BOS and EOS themselves decode to nothing.
 *
 * <p>{@link #encode(String)} and {@link #encodeBytes} prepend BOS, as run.c does for a prompt, so that
 * {@code decode(encode(text))} gives the text back. {@link #encode(byte[], boolean, boolean)} is run.c's exact
 * signature; {@link #encodeReference} is a literal transcription of run.c's quadratic loop, kept as the
 * reference that the heap-based {@link #encode(byte[], boolean, boolean)} is tested against.
 */
public final class LlamaTokenizer implements ByteLevelTokenizer {
    public static final int UNK = 0, BOS = 1, EOS = 2;
    private static final int BYTE_FALLBACK_OFFSET = 3;   // id of <0x00>
    private static final float NO_MERGE = -1e10f;        // run.c's initial best score: a merge must beat it

    private final byte[][] pieces;                     // id → piece bytes
    private final float[] scores;                      // id → merge priority (higher merges first)
    private final int maxTokenLength;
    private final Map<String, Integer> idOfPiece = new HashMap<>();    // piece bytes as Latin-1 → first id with it
    private final int[] rawByte;                       // id → byte value of a <0xXX> piece, or −1
    private final Map<Long, Integer> pairCache = new ConcurrentHashMap<>();   // (a, b) → id of piece a+b, or −1

    public LlamaTokenizer(byte[][] pieces, float[] scores, int maxTokenLength) {
        if (pieces.length != scores.length)
            throw new IllegalArgumentException(pieces.length + " pieces but " + scores.length + " scores");
        this.pieces = new byte[pieces.length][];
        this.scores = scores.clone();
        this.maxTokenLength = maxTokenLength;
        this.rawByte = new int[pieces.length];
        for (int id = 0; id < pieces.length; id++) {
            this.pieces[id] = pieces[id].clone();
            idOfPiece.putIfAbsent(key(pieces[id]), id);
            rawByte[id] = parseRawByte(pieces[id]);
        }
    }

    private static String key(byte[] piece) { return new String(piece, StandardCharsets.ISO_8859_1); }

    /** The byte of a piece spelled exactly {@code <0xXX>} (two hex digits), else −1. */
    private static int parseRawByte(byte[] p) {
        if (p.length != 6 || p[0] != '<' || p[1] != '0' || p[2] != 'x' || p[5] != '>') return -1;
        int hi = Character.digit(p[3], 16), lo = Character.digit(p[4], 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    // ================================================================================================ files

    /** Larger files are refused before being read (the biggest vocabularies in use take a few megabytes). */
    public static final long MAX_FILE_BYTES = 1L << 30;

    /** Reads a {@code tokenizer.bin}, all tokens up to the end of the file. */
    public static LlamaTokenizer load(Path file) throws IOException { return load(file, -1); }

    /**
     * Reads a {@code tokenizer.bin} holding exactly {@code vocabSize} tokens (the model's vocab_size; run.c reads that
     * many), or all tokens to the end of the file when {@code vocabSize} is −1.
     */
    public static LlamaTokenizer load(Path file, int vocabSize) throws IOException {
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES)
            throw new FileFormatException(file, "is " + size + " bytes, more than a tokenizer.bin can be (" + MAX_FILE_BYTES + ")");
        if (vocabSize >= 0 && size < 4 + 8L * vocabSize)   // every token needs at least its score and its length
            throw new FileFormatException(file, "is " + size + " bytes, too short for " + vocabSize + " tokens (at least "
                    + (4 + 8L * vocabSize) + " bytes): truncated, or not this model's tokenizer");
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.remaining() < 4) throw new FileFormatException(file, "expected at least 4 bytes, file has " + buf.remaining());
        int maxLen = buf.getInt();
        if (maxLen <= 0) throw new FileFormatException(file, "max_token_length " + maxLen + " must be positive");
        java.util.List<byte[]> pieces = new java.util.ArrayList<>();
        java.util.List<Float> scores = new java.util.ArrayList<>();
        while (vocabSize < 0 ? buf.hasRemaining() : pieces.size() < vocabSize) {
            int id = pieces.size();
            if (buf.remaining() < 8)
                throw new FileFormatException(file, "truncated at token " + id + " (byte offset " + buf.position()
                        + "): needs 8 bytes for score and length, " + buf.remaining() + " left"
                        + (vocabSize >= 0 ? "; expected " + vocabSize + " tokens" : ""));
            float score = buf.getFloat();
            int len = buf.getInt();
            if (len < 0 || len > maxLen)
                throw new FileFormatException(file, "token " + id + " has length " + len + " outside [0, max_token_length "
                        + maxLen + "]");
            if (buf.remaining() < len)
                throw new FileFormatException(file, "truncated in token " + id + ": needs " + len + " bytes, "
                        + buf.remaining() + " left");
            byte[] piece = new byte[len];
            buf.get(piece);
            pieces.add(piece);
            scores.add(score);
        }
        if (pieces.isEmpty()) throw new FileFormatException(file, "holds no tokens");
        float[] s = new float[scores.size()];
        for (int i = 0; i < s.length; i++) s[i] = scores.get(i);
        return new LlamaTokenizer(pieces.toArray(byte[][]::new), s, maxLen);
    }

    /** Writes the {@code tokenizer.bin} format. */
    public void save(Path file) throws IOException {
        int total = 4;
        for (byte[] p : pieces) total += 8 + p.length;
        ByteBuffer buf = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(maxTokenLength);
        for (int id = 0; id < pieces.length; id++) buf.putFloat(scores[id]).putInt(pieces[id].length).put(pieces[id]);
        Files.write(file, buf.array());
    }

    // ================================================================================================ encoding

    /** BOS + the text, as run.c encodes a prompt. */
    @Override public int[] encodeBytes(byte[] text) { return encode(text, true, false); }

    /** The text with optional BOS and EOS, exactly as run.c's {@code encode(t, text, bos, eos, ...)}. */
    public int[] encode(String text, boolean bos, boolean eos) {
        return encode(text.getBytes(StandardCharsets.UTF_8), bos, eos);
    }

    /**
     * run.c's encoding, with the same result as {@link #encodeReference} but O(n log n): a max-heap holds every
     * adjacent pair that concatenates to a piece, keyed by (score, position); a doubly linked list holds the tokens.
     * The leftmost pair among equal scores wins, because positions keep their left-to-right order as tokens merge.
     */
    public int[] encode(byte[] text, boolean bos, boolean eos) {
        int[] initial = initialTokens(text, bos);
        int n = initial.length;
        int[] id = initial.clone();            // (n) token at each original position; merged-away slots are dead
        int[] next = new int[n], prev = new int[n];
        boolean[] alive = new boolean[n];
        for (int i = 0; i < n; i++) { next[i] = i + 1 < n ? i + 1 : -1; prev[i] = i - 1; alive[i] = true; }
        PriorityQueue<long[]> heap = new PriorityQueue<>((a, b) -> {
            float sa = Float.intBitsToFloat((int) a[0]), sb = Float.intBitsToFloat((int) b[0]);
            if (sa != sb) return sa > sb ? -1 : 1;     // primitive compare: -0.0 equals 0.0, as in C
            return Long.compare(a[1], b[1]);
        });
        for (int i = 0; i + 1 < n; i++) pushPair(heap, id, i, i + 1);
        while (!heap.isEmpty()) {
            long[] top = heap.poll();
            int left = (int) top[1], right = (int) top[2], merged = (int) top[3];
            // stale when either side has been merged into something else since the entry was pushed
            if (!alive[left] || next[left] != right || mergedId(id[left], id[right]) != merged) continue;
            id[left] = merged;
            alive[right] = false;
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;
            if (prev[left] >= 0) pushPair(heap, id, prev[left], left);
            if (next[left] >= 0) pushPair(heap, id, left, next[left]);
        }
        int count = 0;
        for (int i = 0; i < n; i++) if (alive[i]) count++;
        int[] out = new int[count + (eos ? 1 : 0)];
        for (int i = 0, k = 0; i < n; i++) if (alive[i]) out[k++] = id[i];
        if (eos) out[count] = EOS;
        return out;
    }

    private void pushPair(PriorityQueue<long[]> heap, int[] id, int left, int right) {
        int merged = mergedId(id[left], id[right]);
        if (merged >= 0 && scores[merged] > NO_MERGE)
            heap.add(new long[]{Float.floatToRawIntBits(scores[merged]), left, right, merged});
    }

    /** Id of the piece {@code piece(a) + piece(b)}, or −1. */
    private int mergedId(int a, int b) {
        long k = ((long) a << 32) | (b & 0xFFFFFFFFL);
        Integer cached = pairCache.get(k);
        if (cached != null) return cached;
        int merged = idOfPiece.getOrDefault(key(BpeTokenizer.concat(pieces[a], pieces[b])), -1);
        if (pairCache.size() < 1_000_000) pairCache.put(k, merged);
        return merged;
    }

    /** BOS, the dummy prefix, then one token per UTF-8 character (or per byte, by fallback): run.c's first loop. */
    private int[] initialTokens(byte[] text, boolean bos) {
        BpeTokenizer.IntList out = new BpeTokenizer.IntList(text.length + 2);
        if (bos) out.add(BOS);
        if (text.length > 0) {
            Integer space = idOfPiece.get(" ");
            if (space == null) throw new IllegalStateException("vocabulary has no \" \" piece for the dummy prefix");
            out.add(space);
        }
        int start = 0;                                   // start of the current character's bytes
        for (int i = 0; i < text.length; i++) {
            if ((text[i] & 0xC0) != 0x80) start = i;      // not a continuation byte: a new character begins
            boolean continues = i + 1 < text.length && (text[i + 1] & 0xC0) == 0x80;
            if (continues && i + 1 - start < 4) continue; // at most 4 bytes per lookup, as run.c
            Integer id = idOfPiece.get(new String(text, start, i + 1 - start, StandardCharsets.ISO_8859_1));
            if (id != null) out.add(id);
            else for (int k = start; k <= i; k++) out.add(byteFallback(text[k]));
            start = i + 1;                               // run.c resets its buffer after each lookup
        }
        return out.toArray();
    }

    private int byteFallback(byte b) {
        int id = (b & 0xFF) + BYTE_FALLBACK_OFFSET;
        if (id >= pieces.length || rawByte[id] != (b & 0xFF))
            throw new IllegalStateException(String.format("vocabulary has no byte-fallback piece <0x%02X> at id %d", b & 0xFF, id));
        return id;
    }

    /** A literal transcription of run.c's encode: recompute every pair each round, merge the best, repeat. */
    public int[] encodeReference(byte[] text, boolean bos, boolean eos) {
        BpeTokenizer.IntList list = new BpeTokenizer.IntList(4);
        list.addAll(initialTokens(text, bos));
        int[] tokens = list.toArray();
        int n = tokens.length;
        while (true) {
            float bestScore = NO_MERGE;
            int bestId = -1, bestIdx = -1;
            for (int i = 0; i < n - 1; i++) {
                Integer id = idOfPiece.get(key(BpeTokenizer.concat(pieces[tokens[i]], pieces[tokens[i + 1]])));
                if (id != null && scores[id] > bestScore) { bestScore = scores[id]; bestId = id; bestIdx = i; }
            }
            if (bestIdx == -1) break;
            tokens[bestIdx] = bestId;
            System.arraycopy(tokens, bestIdx + 2, tokens, bestIdx + 1, n - bestIdx - 2);
            n--;
        }
        int[] out = Arrays.copyOf(tokens, n + (eos ? 1 : 0));
        if (eos) out[n] = EOS;
        return out;
    }

    // ================================================================================================ decoding

    @Override public byte[] decodeBytes(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int prev = -1;
        for (int id : ids) {
            out.writeBytes(decodePiece(prev, id));
            prev = id;
        }
        return out.toByteArray();
    }

    /** run.c's decode of one token given the one before it (−1 for none). */
    public byte[] decodePiece(int prevId, int id) {
        if (id < 0 || id >= pieces.length)
            throw new IllegalArgumentException("token id " + id + " outside the vocabulary [0, " + pieces.length + ")");
        if (id == BOS || id == EOS) return new byte[0];
        if (rawByte[id] >= 0) return new byte[]{(byte) rawByte[id]};
        byte[] p = pieces[id];
        if (prevId == BOS && p.length > 0 && p[0] == ' ') return Arrays.copyOfRange(p, 1, p.length);
        return p.clone();
    }

    // ================================================================================================ metadata

    @Override public int vocabSize() { return pieces.length; }

    @Override public int bosId() { return BOS; }

    @Override public int eosId() { return EOS; }

    @Override public String token(int id) {
        if (id < 0 || id >= pieces.length) throw new IllegalArgumentException("token id " + id + " out of range");
        return new String(pieces[id], StandardCharsets.UTF_8);
    }

    /** The raw bytes of a piece as stored in the file. */
    public byte[] piece(int id) { return pieces[id].clone(); }

    public float score(int id) { return scores[id]; }

    public int maxTokenLength() { return maxTokenLength; }

    /** The id of a piece, or −1. */
    public int idOf(String piece) { return idOfPiece.getOrDefault(key(piece.getBytes(StandardCharsets.UTF_8)), -1); }
}
