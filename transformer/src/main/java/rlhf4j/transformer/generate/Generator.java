package rlhf4j.transformer.generate;

import java.lang.foreign.MemorySegment;
import rlhf4j.autograd.Grad;
import rlhf4j.autograd.Variable;
import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.transformer.KvCache;
import rlhf4j.transformer.Masks;
import rlhf4j.transformer.TransformerModel;

/**
 * Autoregressive generation with a KV cache, for a batch of prompts of different lengths in one call.
 *
 * <p><b>Decoder.</b> A model with a {@link TransformerModel#decoder()} (Llama and GPT-2 on the CPU) generates
 * through it ({@link StreamDecoding}): outside autograd, one row per live stream, each stream at its own length,
 * finished streams out of the step. The rest of this note is the autograd path other models (e.g. on a GPU) take.
 *
 * <p><b>Padding.</b> Prompts are left-padded to the longest one, P tokens, so every row's next token goes to
 * the same cache slot. Each row's tokens get their own positions 0, 1, 2, ... (the padding is skipped) and the
 * padding slots get {@link Masks#PAD_BIAS} in every attention score, so they are never attended: a row computes
 * what it would alone. The pad id is 0 (any valid id: its values never reach a real token).
 *
 * <p><b>Cost.</b> The prompts go through in one pass (prefill); then each step feeds one token per row. Each
 * pass runs in its own {@link MemoryScope}, so nothing outlives a step but the cache (allocated once, for
 * P + maxNewTokens − 1 positions) and one host buffer of logits.
 *
 * <p>The model runs in evaluation mode (no dropout) during the call and is put back in its former mode after.
 *
 * <p><b>Randomness.</b> Row r draws its step-s uniform from {@code CounterRng.uniform(rowSeeds[r], s)}: a row's
 * tokens do not depend on which other rows share its batch.
 */
public final class Generator {
    public static final int PAD_ID = 0;

    private final TransformerModel model;
    private final boolean useDecoder;

    public Generator(TransformerModel model) { this(model, true); }

    /** useDecoder false always runs the autograd path (the reference the decoder is tested against). */
    Generator(TransformerModel model, boolean useDecoder) {
        this.model = model;
        this.useDecoder = useDecoder;
    }

    /** Called after each step with the row and its new token (e.g. to stream text). */
    @FunctionalInterface
    public interface TokenListener {
        void onToken(int row, int token);
    }

    /** Row r uses the random stream {@code CounterRng.bits(seed, r)}. */
    public Generation generate(int[][] prompts, SamplingConfig config, long seed) {
        long[] rowSeeds = new long[prompts.length];
        for (int r = 0; r < prompts.length; r++) rowSeeds[r] = CounterRng.bits(seed, r);
        return generate(prompts, config, rowSeeds, null);
    }

    public Generation generate(int[][] prompts, SamplingConfig config, long[] rowSeeds, TokenListener listener) {
        int b = prompts.length, v = model.vocabSize();
        if (b == 0 || rowSeeds.length != b) throw new IllegalArgumentException("need one or more prompts and one seed per prompt");
        int p = 0;
        for (int r = 0; r < b; r++) {
            if (prompts[r].length == 0) throw new IllegalArgumentException("prompt " + r + " is empty; start it with BOS");
            for (int id : prompts[r])
                if (id < 0 || id >= v) throw new IllegalArgumentException("prompt " + r + " holds token " + id + " outside [0, " + v + ")");
            p = Math.max(p, prompts[r].length);
        }
        int n = config.maxNewTokens();
        if (p + n - 1 > model.contextLength())   // the last new token is never fed back
            throw new IllegalArgumentException("a prompt of " + p + " tokens plus " + n + " new tokens needs "
                    + (p + n - 1) + " positions; the model's context length is " + model.contextLength());

        rlhf4j.transformer.infer.Decoder decoder = useDecoder ? model.decoder() : null;
        if (decoder != null) return StreamDecoding.run(decoder, prompts, config, rowSeeds, listener);
        return generatePadded(prompts, config, rowSeeds, listener, p);
    }

    /** The autograd path (models without a {@link TransformerModel#decoder()}, e.g. on a GPU): left-padded batches. */
    private Generation generatePadded(int[][] prompts, SamplingConfig config, long[] rowSeeds, TokenListener listener, int p) {
        int b = prompts.length, v = model.vocabSize(), n = config.maxNewTokens();
        int[] pad = new int[b];                   // leading pad slots of each row
        int[] ids = new int[b * p], pos = new int[b * p];                                // (B, P) left-padded prompts
        int[] keyMask = new int[b * (p + n - 1)];                                        // (B, P+N−1) 1 = real slot
        for (int r = 0; r < b; r++) {
            pad[r] = p - prompts[r].length;
            for (int i = 0; i < prompts[r].length; i++) { ids[r * p + pad[r] + i] = prompts[r][i]; pos[r * p + pad[r] + i] = i; }
            for (int i = pad[r]; i < p + n - 1; i++) keyMask[r * (p + n - 1) + i] = 1;
        }

        int[][] out = new int[b][n];
        float[][] outLogp = new float[b][n];
        int[] produced = new int[b];
        boolean[] done = new boolean[b];
        float[] hostLogits = new float[b * v];                                            // (B, V)
        float[] lp = new float[1];
        Sampler sampler = new Sampler(config, v);
        boolean wasTraining = model.isTraining();
        model.eval();                                  // no dropout while sampling: the log-probs are the model's own
        try (Grad.NoGrad ng = Grad.off(); KvCache cache = model.newCache(b, p + n - 1); MemoryScope call = MemoryScope.open()) {
            boolean padded = false;
            for (int r = 0; r < b; r++) padded |= pad[r] > 0;
            // (B, 1, 1, P+N−1), or none when all prompts have the same length
            Tensor keyBias = padded ? Masks.keyBias(keyMask, b, p + n - 1).to(model.device()) : null;
            feed(ids, pos, b, p, padded ? keyBias.narrow(3, 0, p) : null, cache, hostLogits);   // prefill: all prompts at once
            int[] next = new int[b], nextPos = new int[b];                                // (B) the token each row feeds next
            for (int s = 0; s < n; s++) {
                boolean allDone = true;
                for (int r = 0; r < b; r++) {
                    if (done[r]) { next[r] = PAD_ID; continue; }
                    int tok = sampler.next(hostLogits, r * v, CounterRng.uniform(rowSeeds[r], s), lp);
                    out[r][produced[r]] = tok;
                    outLogp[r][produced[r]++] = lp[0];
                    if (listener != null) listener.onToken(r, tok);
                    if (tok == config.stopToken()) done[r] = true; else allDone = false;
                    next[r] = tok;
                    nextPos[r] = prompts[r].length + s;
                }
                if (allDone || s == n - 1) break;
                feed(next, nextPos, b, 1, padded ? keyBias.narrow(3, 0, p + s + 1) : null, cache, hostLogits);   // one token per row
            }
        } finally {
            model.train(wasTraining);
        }
        int[][] tokens = new int[b][];
        float[][] logProbs = new float[b][];
        for (int r = 0; r < b; r++) {
            tokens[r] = java.util.Arrays.copyOf(out[r], produced[r]);
            logProbs[r] = java.util.Arrays.copyOf(outLogp[r], produced[r]);
        }
        return new Generation(prompts, tokens, logProbs);
    }

    /**
     * Runs ids (B, T) at positions (B, T) through the model, extending the cache, and copies the logits of each
     * row's last position into host (B·V). Everything the pass allocates is freed on return.
     */
    private void feed(int[] ids, int[] positions, int b, int t, Tensor keyBias, KvCache cache, float[] host) {
        try (MemoryScope step = MemoryScope.open()) {
            Variable h = model.forward(Tensor.ofInts(ids, b, t).to(model.device()), Tensor.ofInts(positions, b, t).to(model.device()),
                    keyBias, cache);                                                      // (B, T, C)
            Variable last = h.narrow(1, t - 1, 1);                                        // (B, 1, C)
            Tensor logits = model.logits(last).value().contiguous();                      // (B, 1, V)
            logits.backend().copyToHost(logits.storage(), logits.offset() * 4, MemorySegment.ofArray(host), host.length * 4L);
        }
    }
}
