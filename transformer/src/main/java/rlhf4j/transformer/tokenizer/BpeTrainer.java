package rlhf4j.transformer.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.regex.Pattern;
import rlhf4j.transformer.tokenizer.BpeTokenizer.Merge;

/**
 * Learns a byte-level BPE vocabulary from a corpus.
 *
 * <p>Ids: 0..255 are the single bytes (id = byte value), then one id per merge in the order learned, then the
 * special tokens in the order given. The corpus is cut at special-token texts (they are never learned from),
 * then into {@link Gpt2PreTokenizer} chunks; merges never cross a chunk boundary.
 *
 * <p>Each step merges the adjacent pair that occurs most often, counting every chunk occurrence in the corpus.
 * <b>Ties</b> go to the pair with the smaller left id, then the smaller right id: deterministic, and it favours
 * pairs of older (shorter) tokens. Training stops at the target vocabulary size or when no pair is left.
 *
 * <p>{@link #train} updates pair counts incrementally (only chunks that contain the merged pair are touched) and
 * finds the best pair with a lazy max-heap; {@link #trainNaive} recounts every pair at every step. Both give the
 * same merges; the naive one is the reference the fast one is tested against.
 */
public final class BpeTrainer {
    private BpeTrainer() {}

    /** The GPT-2 special tokens: end of text, then a distinct pad token. */
    public static final List<String> DEFAULT_SPECIALS = List.of(BpeTokenizer.END_OF_TEXT, BpeTokenizer.PAD);

    /** Trains to {@code vocabSize} ids in all (256 bytes + merges + specials). */
    public static BpeTokenizer train(String corpus, int vocabSize, List<String> specials) {
        Words words = Words.count(corpus, specials);
        int targetMerges = targetMerges(vocabSize, specials);
        int[][] syms = words.symbols;
        int[] freq = words.freq;

        Map<Long, Integer> pairCount = new HashMap<>();
        Map<Long, IntArrayList> pairWords = new HashMap<>();    // pair → chunks that contained it (may be stale)
        for (int w = 0; w < syms.length; w++) {
            for (int i = 0; i + 1 < syms[w].length; i++) {
                long key = BpeTokenizer.pairKey(syms[w][i], syms[w][i + 1]);
                pairCount.merge(key, freq[w], Integer::sum);
                pairWords.computeIfAbsent(key, k -> new IntArrayList()).add(w);
            }
        }
        PriorityQueue<Candidate> heap = new PriorityQueue<>();
        pairCount.forEach((key, c) -> heap.add(new Candidate(c, key)));

        List<Merge> merges = new ArrayList<>();
        int[] visitedAt = new int[syms.length];                  // last merge step that rewrote each chunk
        java.util.Arrays.fill(visitedAt, -1);
        while (merges.size() < targetMerges && !heap.isEmpty()) {
            Candidate best = heap.poll();
            Integer current = pairCount.get(best.key);
            if (current == null || current != best.count) continue;   // stale heap entry
            int left = (int) (best.key >>> 32), right = (int) best.key;
            int result = 256 + merges.size();
            int step = merges.size();
            merges.add(new Merge(left, right, result));

            Map<Long, Integer> delta = new HashMap<>();
            for (int k = 0, n = pairWords.get(best.key).size(); k < n; k++) {
                int w = pairWords.get(best.key).get(k);
                if (visitedAt[w] == step) continue;
                visitedAt[w] = step;
                int[] old = syms[w];
                int[] merged = mergePair(old, left, right, result);
                if (merged.length == old.length) continue;              // stale: pair no longer in this chunk
                for (int i = 0; i + 1 < old.length; i++)
                    delta.merge(BpeTokenizer.pairKey(old[i], old[i + 1]), -freq[w], Integer::sum);
                for (int i = 0; i + 1 < merged.length; i++) {
                    long key = BpeTokenizer.pairKey(merged[i], merged[i + 1]);
                    delta.merge(key, freq[w], Integer::sum);
                    if (merged[i] == result || merged[i + 1] == result)
                        pairWords.computeIfAbsent(key, x -> new IntArrayList()).add(w);
                }
                syms[w] = merged;
            }
            pairWords.remove(best.key);
            delta.forEach((key, d) -> {
                if (d == 0) return;
                int c = pairCount.getOrDefault(key, 0) + d;
                if (c <= 0) pairCount.remove(key);
                else { pairCount.put(key, c); heap.add(new Candidate(c, key)); }
            });
        }
        return build(merges, specials);
    }

    /** Reference trainer: recounts all pairs of all chunks at every step. Slow; same result as {@link #train}. */
    public static BpeTokenizer trainNaive(String corpus, int vocabSize, List<String> specials) {
        Words words = Words.count(corpus, specials);
        int targetMerges = targetMerges(vocabSize, specials);
        List<Merge> merges = new ArrayList<>();
        while (merges.size() < targetMerges) {
            TreeMap<Long, Long> counts = new TreeMap<>();        // sorted by (left, right): first max wins ties
            for (int w = 0; w < words.symbols.length; w++)
                for (int i = 0; i + 1 < words.symbols[w].length; i++)
                    counts.merge(BpeTokenizer.pairKey(words.symbols[w][i], words.symbols[w][i + 1]),
                            (long) words.freq[w], Long::sum);
            if (counts.isEmpty()) break;
            long bestKey = 0, bestCount = 0;
            for (var e : counts.entrySet()) if (e.getValue() > bestCount) { bestCount = e.getValue(); bestKey = e.getKey(); }
            Merge m = new Merge((int) (bestKey >>> 32), (int) bestKey, 256 + merges.size());
            merges.add(m);
            for (int w = 0; w < words.symbols.length; w++)
                words.symbols[w] = mergePair(words.symbols[w], m.left(), m.right(), m.result());
        }
        return build(merges, specials);
    }

    private static int targetMerges(int vocabSize, List<String> specials) {
        int min = 256 + specials.size();
        if (vocabSize < min)
            throw new IllegalArgumentException("vocabSize " + vocabSize + " is below 256 bytes + " + specials.size()
                    + " special tokens = " + min);
        if (specials.stream().distinct().count() != specials.size() || specials.stream().anyMatch(String::isEmpty))
            throw new IllegalArgumentException("special tokens must be distinct and non-empty: " + specials);
        return vocabSize - min;
    }

    /** Replaces every non-overlapping (left, right), scanning left to right; returns the input when none occurs. */
    static int[] mergePair(int[] word, int left, int right, int result) {
        int[] out = null;
        int w = 0;
        for (int i = 0; i < word.length; i++) {
            if (i + 1 < word.length && word[i] == left && word[i + 1] == right) {
                if (out == null) { out = new int[word.length - 1]; System.arraycopy(word, 0, out, 0, i); w = i; }
                out[w++] = result;
                i++;
            } else if (out != null) out[w++] = word[i];
        }
        return out == null ? word : java.util.Arrays.copyOf(out, w);
    }

    private static BpeTokenizer build(List<Merge> merges, List<String> specials) {
        int n = 256 + merges.size() + specials.size();
        byte[][] bytes = new byte[n][];
        for (int b = 0; b < 256; b++) bytes[b] = new byte[]{(byte) b};
        for (Merge m : merges) bytes[m.result()] = BpeTokenizer.concat(bytes[m.left()], bytes[m.right()]);
        Map<String, Integer> specialIds = new LinkedHashMap<>();
        for (int i = 0; i < specials.size(); i++) {
            int id = 256 + merges.size() + i;
            bytes[id] = specials.get(i).getBytes(StandardCharsets.UTF_8);
            specialIds.put(specials.get(i), id);
        }
        return new BpeTokenizer(bytes, merges, specialIds);
    }

    /** The distinct chunks of a corpus as byte-id sequences, with how often each occurs. */
    private record Words(int[][] symbols, int[] freq) {
        static Words count(String corpus, List<String> specials) {
            String[] pieces = specials.isEmpty() ? new String[]{corpus}
                    : corpus.split(String.join("|", specials.stream().map(Pattern::quote).toList()), -1);
            Map<String, Integer> counts = new HashMap<>();
            for (String piece : pieces)
                for (byte[] chunk : Gpt2PreTokenizer.splitBytes(piece.getBytes(StandardCharsets.UTF_8)))
                    counts.merge(new String(chunk, StandardCharsets.ISO_8859_1), 1, Integer::sum);
            List<String> keys = new ArrayList<>(counts.keySet());
            keys.sort(null);                                    // a fixed order, independent of hashing
            int[][] symbols = new int[keys.size()][];
            int[] freq = new int[keys.size()];
            for (int w = 0; w < keys.size(); w++) {
                String k = keys.get(w);
                symbols[w] = new int[k.length()];
                for (int i = 0; i < k.length(); i++) symbols[w][i] = k.charAt(i);   // Latin-1 char = byte value = id
                freq[w] = counts.get(k);
            }
            return new Words(symbols, freq);
        }
    }

    /** A heap entry: most frequent first, then smaller left id, then smaller right id. */
    private record Candidate(int count, long key) implements Comparable<Candidate> {
        @Override public int compareTo(Candidate o) {
            if (count != o.count) return Integer.compare(o.count, count);
            return Long.compare(key, o.key);   // key = left << 32 | right with ids ≥ 0: orders by left, then right
        }
    }

    /** A growable int array. */
    private static final class IntArrayList {
        private int[] a = new int[4];
        private int n;

        void add(int v) {
            if (n == a.length) a = java.util.Arrays.copyOf(a, n * 2);
            a[n++] = v;
        }

        int get(int i) { return a[i]; }

        int size() { return n; }
    }
}
