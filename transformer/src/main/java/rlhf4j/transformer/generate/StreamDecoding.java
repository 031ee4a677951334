package rlhf4j.transformer.generate;

import java.util.Arrays;
import rlhf4j.tensor.CounterRng;
import rlhf4j.transformer.infer.DecodeScratch;
import rlhf4j.transformer.infer.Decoder;
import rlhf4j.transformer.infer.StreamCache;

/**
 * Generation on a {@link Decoder}: every live stream feeds one token per step, its next prompt token or its last
 * sampled one, at its own position into its own cache, so prompts of different lengths need no padding and a
 * stream's attention spans its own length only. A stream that stops (stop token or its last token) leaves the
 * step and its cache is dropped. Sampling and randomness are {@link Generator}'s: the s-th token of row r draws
 * {@code CounterRng.uniform(rowSeeds[r], s)} through the {@link Sampler}.
 */
final class StreamDecoding {
    private final Decoder decoder;
    private final int[][] prompts;
    private final SamplingConfig config;
    private final StreamCache[] caches;
    private final int[] fed, next, produced, rowStream;   // per stream: tokens through the model, next token, tokens made
    private final int[][] out;
    private final float[][] outLogp;

    private StreamDecoding(Decoder decoder, int[][] prompts, SamplingConfig config) {
        this.decoder = decoder;
        this.prompts = prompts;
        this.config = config;
        int b = prompts.length, n = config.maxNewTokens();
        caches = new StreamCache[b];
        for (int r = 0; r < b; r++) caches[r] = decoder.newCache(prompts[r].length + n - 1);   // the last token is never fed
        fed = new int[b];
        next = new int[b];
        produced = new int[b];
        rowStream = new int[b];
        out = new int[b][n];
        outLogp = new float[b][n];
    }

    static Generation run(Decoder decoder, int[][] prompts, SamplingConfig config, long[] rowSeeds, Generator.TokenListener listener) {
        return new StreamDecoding(decoder, prompts, config).run(rowSeeds, listener);
    }

    private Generation run(long[] rowSeeds, Generator.TokenListener listener) {
        int b = prompts.length, v = decoder.vocabSize(), longest = 0;
        for (StreamCache c : caches) longest = Math.max(longest, c.capacity());
        DecodeScratch s = decoder.scratch(b, longest);
        Sampler[] samplers = new Sampler[Decoder.maxParts()];                    // one per part: they hold scratch
        for (int p = 0; p < samplers.length; p++) samplers[p] = new Sampler(config, v);
        int[] sampled = new int[b];                                              // per row: its new token, or −1
        Decoder.RowsDone sample = (part, r0, r1) -> {
            float[] lp = new float[1];
            for (int j = r0; j < r1; j++) {
                int r = rowStream[j];
                sampled[j] = -1;
                if (++fed[r] < prompts[r].length) continue;                      // still reading its prompt
                int tok = samplers[part].next(s.logits, j * v, CounterRng.uniform(rowSeeds[r], produced[r]), lp);
                sampled[j] = tok;
                out[r][produced[r]] = tok;
                outLogp[r][produced[r]++] = lp[0];
                if (tok == config.stopToken() || produced[r] == config.maxNewTokens()) caches[r] = null;   // done
                else next[r] = tok;
            }
        };
        for (int rows = gather(s); rows > 0; rows = gather(s)) {
            decoder.step(s, rows, sample);
            if (listener != null)
                for (int j = 0; j < rows; j++) if (sampled[j] >= 0) listener.onToken(rowStream[j], sampled[j]);
        }
        int[][] tokens = new int[b][];
        float[][] logProbs = new float[b][];
        for (int r = 0; r < b; r++) {
            tokens[r] = Arrays.copyOf(out[r], produced[r]);
            logProbs[r] = Arrays.copyOf(outLogp[r], produced[r]);
        }
        return new Generation(prompts, tokens, logProbs);
    }

    /** Puts every live stream's next token in a row of s; returns the number of rows. */
    private int gather(DecodeScratch s) {
        int rows = 0;
        for (int r = 0; r < prompts.length; r++) {
            if (caches[r] == null) continue;
            int tok = fed[r] < prompts[r].length ? prompts[r][fed[r]] : next[r];
            s.set(rows, tok, fed[r], caches[r]);
            rowStream[rows++] = r;
        }
        return rows;
    }
}
