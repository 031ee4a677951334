package rlhf4j.transformer.generate;

/**
 * How to pick each next token.
 *
 * @param temperature   0 for greedy (argmax); otherwise logits are divided by it before softmax
 * @param topK          keep only the k most likely tokens (0 = all)
 * @param topP          nucleus sampling: keep the most likely tokens until their probability reaches p (1 = all)
 * @param maxNewTokens  tokens to generate per sequence at most
 * @param stopToken     stop a sequence after it emits this id (it is returned); −1 for none
 */
public record SamplingConfig(double temperature, int topK, double topP, int maxNewTokens, int stopToken) {
    public SamplingConfig {
        if (!(temperature >= 0) || Double.isInfinite(temperature))
            throw new IllegalArgumentException("temperature " + temperature + " must be finite and >= 0");
        if (topK < 0) throw new IllegalArgumentException("top-k " + topK + " must be >= 0 (0 = off)");
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p " + topP + " must be in (0, 1]");
        if (maxNewTokens < 1) throw new IllegalArgumentException("maxNewTokens " + maxNewTokens + " must be >= 1");
    }

    public static SamplingConfig greedy(int maxNewTokens, int stopToken) {
        return new SamplingConfig(0, 0, 1, maxNewTokens, stopToken);
    }

    public static SamplingConfig sample(double temperature, int maxNewTokens, int stopToken) {
        return new SamplingConfig(temperature, 0, 1, maxNewTokens, stopToken);
    }

    public boolean isGreedy() { return temperature == 0; }
}
