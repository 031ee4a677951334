package rlhf4j.transformer.infer;

import java.util.List;
import rlhf4j.tensor.cpu.Parallel;

/**
 * A decoder-only transformer laid out for token-by-token inference on the CPU, outside autograd: weights copied
 * once into plain arrays in the order the kernels read them, per-stream caches, and one step that takes each
 * row (stream) from its token to its next-token logits. A layer is
 * {@code x += Wo · attention(qkvRope(norm₁(x))); x += mlp(norm₂(x))}; then {@code logits = norm_f(x) · W_cls}.
 *
 * <p>Every row is computed by the same code whatever rows share its step (the kernels give the same bits per
 * row), so a stream decoded in a batch gets the same logits as decoded alone. Steps split rows over the CPU
 * pool by stream.
 */
public final class Decoder {
    /** One decoder layer's fused parts. */
    public record Layer(DecodeNorm attentionNorm, QkvRope qkv, DecodeLinear attentionOut, DecodeNorm mlpNorm, DecodeMlp mlp) {}

    /** Token embedding (V, C) and learned position embedding (positions, C) or null (rotary models). */
    public record Embeddings(float[] tokens, float[] positions, int width) {}

    /** Vector API kernels unless {@code -Drlhf4j.decode.scalar=true}. */
    public static final boolean VECTOR = !Boolean.getBoolean("rlhf4j.decode.scalar");

    final int width, vocab, maxPositions;
    private final Embeddings embeddings;
    private final List<Layer> layers;
    private final DecodeNorm finalNorm;
    private final DecodeLinear classifier;
    private final CacheAttention attention;

    public Decoder(Embeddings embeddings, List<Layer> layers, DecodeNorm finalNorm, DecodeLinear classifier,
                   CacheAttention attention, int maxPositions) {
        this.embeddings = embeddings;
        this.layers = List.copyOf(layers);
        this.finalNorm = finalNorm;
        this.classifier = classifier;
        this.attention = attention;
        this.width = embeddings.width();
        this.vocab = classifier.out();
        this.maxPositions = maxPositions;
    }

    public int vocabSize() { return vocab; }

    public int maxPositions() { return maxPositions; }

    int qkvWidth() { return layers.get(0).qkv().width(); }

    int mlpHiddenWidth() { return layers.get(0).mlp().hiddenWidth(); }

    int mlpActivationWidth() { return layers.get(0).mlp().activationWidth(); }

    /** An empty cache for a stream of up to capacity tokens. */
    public StreamCache newCache(int capacity) {
        if (capacity > maxPositions)
            throw new IllegalArgumentException("a stream of " + capacity + " positions exceeds the context length " + maxPositions);
        return new StreamCache(layers.size(), attention.nKv, attention.headSize, capacity);
    }

    /** Buffers for steps of up to rows rows over streams of up to longest positions. */
    public DecodeScratch scratch(int rows, int longest) { return new DecodeScratch(this, rows, longest); }

    /** What to do with a part's rows once their logits are in (e.g. sample), on the thread that computed them. */
    @FunctionalInterface
    public interface RowsDone {
        void run(int part, int r0, int r1);
    }

    /** Most parts a step splits into: {@code after} may keep per-part state for parts 0..maxParts()−1. */
    public static int maxParts() { return Parallel.threads(); }

    /**
     * Rows 0..rows−1 of s, split over the CPU pool by row into at most {@link #maxParts()} parts: each row's
     * logits go to s.logits, then {@code after} (or null) runs on each part's rows.
     */
    public void step(DecodeScratch s, int rows, RowsDone after) {
        int parts = Math.min(rows, maxParts());
        Parallel.Range part = (p0, p1) -> {
            for (int p = (int) p0; p < p1; p++) {
                int r0 = rows * p / parts, r1 = rows * (p + 1) / parts;
                forward(s, r0, r1, VECTOR);
                if (after != null) after.run(p, r0, r1);
            }
        };
        if (parts <= 1) part.run(0, parts); else Parallel.forParts(parts, parts, part);
    }

    /** Rows r0..r1−1 of s: their tokens at their positions through every layer, into s.logits. */
    public void forward(DecodeScratch s, int r0, int r1, boolean vector) {
        embed(s, r0, r1);
        for (int l = 0; l < layers.size(); l++) {
            Layer layer = layers.get(l);
            layer.attentionNorm().apply(s.x, s.normed, r0, r1, vector);
            layer.qkv().apply(s.normed, s.qkv, r0, r1, s.positions, s.caches, l, vector);
            int w = layer.qkv().width();
            for (int r = r0; r < r1; r++)
                attention.attend(s.caches[r], l, s.positions[r] + 1, s.qkv, r * w, s.rowScores(r), s.attended, r * width, vector);
            layer.attentionOut().apply(s.attended, s.x, r0, r1, true, vector);
            layer.mlpNorm().apply(s.x, s.normed, r0, r1, vector);
            layer.mlp().apply(s.normed, s.hidden, s.activation, s.x, r0, r1, vector);
        }
        finalNorm.apply(s.x, s.normed, r0, r1, vector);
        classifier.apply(s.normed, s.logits, r0, r1, false, vector);
    }

    private void embed(DecodeScratch s, int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            int tok = s.tokens[r], pos = s.positions[r];
            if (tok < 0 || tok * width >= embeddings.tokens().length)
                throw new IllegalArgumentException("token " + tok + " is outside the vocabulary of " + vocab);
            if (pos < 0 || pos >= maxPositions) throw new IllegalArgumentException("position " + pos + " is outside the context " + maxPositions);
            System.arraycopy(embeddings.tokens(), tok * width, s.x, r * width, width);
            if (embeddings.positions() != null)
                for (int i = 0; i < width; i++) s.x[r * width + i] += embeddings.positions()[pos * width + i];
        }
    }
}
