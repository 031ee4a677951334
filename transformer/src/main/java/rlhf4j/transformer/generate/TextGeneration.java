package rlhf4j.transformer.generate;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import rlhf4j.tensor.CounterRng;
import rlhf4j.transformer.Policy;

/**
 * Text generation in the manner of llama2.c's {@code run}: the prompt is printed, then each new token as soon as it
 * is sampled, until the stop token or {@code steps} positions (prompt included; the last new token is printed, never
 * fed). For a llama2.c checkpoint the text is exactly run.c's. The rate is timed from the first new token, as run.c
 * times it.
 */
public final class TextGeneration {
    private TextGeneration() {}

    /**
     * @param prompt      text to start from ("" for none)
     * @param sampling    temperature (0 = greedy), top-k (0 = off) and top-p (1 = off); its token limit and stop token
     *                    are set from {@code steps} and the policy
     * @param seed        the stream's random seed
     * @param steps       positions to run, prompt included, as llama2.c's {@code -n}; 0 or more than the context
     *                    length means the context length
     */
    public record Config(String prompt, SamplingConfig sampling, long seed, int steps) {
        public Config {
            if (steps < 0) throw new IllegalArgumentException("steps " + steps + " must be >= 0");
        }
    }

    /** Tokens of the prompt and generated, the time from the first new token to the last, and its rate. */
    public record Result(int promptTokens, int generatedTokens, double decodingSeconds) {
        /** run.c's "achieved tok/s": tokens after the first over the time since the first. */
        public double tokensPerSecond() { return generatedTokens > 1 ? (generatedTokens - 1) / decodingSeconds : Double.NaN; }
    }

    /** Generates from the policy, printing the text to out as it goes. */
    public static Result run(Policy policy, Config config, OutputStream out) throws IOException {
        int context = policy.model().contextLength();
        int positions = config.steps() == 0 || config.steps() > context ? context : config.steps();   // run.c clamps the same way
        TokenPrinter printer = TokenPrinter.of(policy);
        int[] promptIds = printer.encode(config.prompt());
        if (promptIds.length > context)
            throw new IllegalArgumentException("the prompt is " + promptIds.length + " tokens, longer than the context length " + context);
        if (promptIds.length > positions)
            throw new IllegalArgumentException("the prompt is " + promptIds.length + " tokens, more than the " + positions + " steps");
        SamplingConfig s = config.sampling();
        SamplingConfig cfg = new SamplingConfig(s.temperature(), s.topK(), s.topP(), positions - promptIds.length + 1,
                printer.stopToken());
        int[] prev = {printer.printPrompt(promptIds, out)};
        long[] firstToken = {0};
        out.flush();
        Generation g = new Generator(policy.model()).generate(new int[][]{promptIds}, cfg,
                new long[]{CounterRng.bits(config.seed(), 0)}, (row, token) -> {
                    if (firstToken[0] == 0) firstToken[0] = System.nanoTime();
                    try {
                        if (token != printer.stopToken()) prev[0] = printer.print(prev[0], token, out);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
        long end = System.nanoTime();
        out.write('\n');
        out.flush();
        return new Result(promptIds.length, g.tokens()[0].length, (end - firstToken[0]) / 1e9);
    }
}
