package rlhf4j.rlhf.ppo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import rlhf4j.rlhf.reward.RewardFunction;
import rlhf4j.tensor.CounterRng;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.generate.Generation;
import rlhf4j.transformer.generate.Generator;
import rlhf4j.transformer.generate.SamplingConfig;
import rlhf4j.transformer.tokenizer.Tokenizer;

/**
 * The first steps of every on-policy rollout, shared by PPO ({@link PpoTrainer}) and the critic-free methods
 * (GRPO, RLOO): which prompts an iteration takes, sampling y ~ softmax(logits/τ), laying prompts and completions out
 * as one padded token batch, and scoring the completions. All randomness is counter-based on (seed, iteration).
 */
public final class RolloutSampling {
    private RolloutSampling() {}

    /** A sampled batch: which prompts, their ids, the generator's output and its layout as a token batch. */
    public record Sampled(int[] promptIndex, int[][] promptIds, Generation generation, Rollout.Tokens tokens, String[] completions) {}

    /**
     * The prompts of iteration {@code it}: the prompt set walked in a fresh shuffled order each pass, {@code perIteration}
     * at a time (position g = it·perIteration + r of the endless stream; pass g / n uses permutation (seed, pass)).
     */
    public static int[] promptIndices(int promptCount, int perIteration, int it, long seed) {
        int[] out = new int[perIteration];
        Map<Integer, int[]> orders = new HashMap<>();
        for (int r = 0; r < perIteration; r++) {
            long g = (long) it * perIteration + r;                       // position in the endless stream of prompts
            int pass = (int) (g / promptCount);
            out[r] = orders.computeIfAbsent(pass, p -> permutation(promptCount, CounterRng.bits(seed, p)))[(int) (g % promptCount)];
        }
        return out;
    }

    /**
     * y ~ softmax(logits/τ) token by token, for each prompt given. Top-k and top-p stay off, so the learner's
     * softmax(logits/τ) is exactly the sampling distribution.
     */
    public static Sampled sample(TransformerModel model, Tokenizer tokenizer, int stopToken, List<int[]> prompts, int[] promptIndex,
                                 double temperature, int maxNewTokens, long seed) {
        return sample(model, tokenizer, stopToken, prompts, promptIndex, temperature, maxNewTokens, seed, ONE_PROCESS);
    }

    /** How a batch of prompts is generated: all in this process, or split over the ranks of a data-parallel job. */
    @FunctionalInterface
    public interface BatchGeneration {
        Generation generate(Generator generator, int[][] prompts, SamplingConfig sampling, long seed);
    }

    /** The whole batch in this process. */
    public static final BatchGeneration ONE_PROCESS = Generator::generate;

    /** As {@link #sample(TransformerModel, Tokenizer, int, List, int[], double, int, long)}, generating through {@code how}. */
    public static Sampled sample(TransformerModel model, Tokenizer tokenizer, int stopToken, List<int[]> prompts, int[] promptIndex,
                                 double temperature, int maxNewTokens, long seed, BatchGeneration how) {
        int[][] promptIds = new int[promptIndex.length][];
        for (int r = 0; r < promptIds.length; r++) promptIds[r] = prompts.get(promptIndex[r]);
        SamplingConfig sampling = new SamplingConfig(temperature, 0, 1, maxNewTokens, stopToken);
        Generation gen = how.generate(new Generator(model), promptIds, sampling, seed);
        Rollout.Tokens tokens = layout(promptIds, gen, stopToken);
        String[] completions = new String[promptIds.length];
        for (int r = 0; r < completions.length; r++) {
            int[] t = gen.tokens()[r];
            completions[r] = tokenizer.decode(tokens.ended()[r] ? Arrays.copyOf(t, t.length - 1) : t);
        }
        return new Sampled(promptIndex, promptIds, gen, tokens, completions);
    }

    /** Prompts left-padded to P and completions right-padded to N: the (B, T) ids and attention, the (B, N) mask. */
    public static Rollout.Tokens layout(int[][] promptIds, Generation gen, int stopToken) {
        int b = promptIds.length, p = gen.promptLength(), n = Math.max(1, gen.completionLength()), t = p + n;
        int[] ids = new int[b * t], attention = new int[b * t], lengths = new int[b];
        float[] mask = new float[b * n];
        boolean[] ended = new boolean[b];
        for (int r = 0; r < b; r++) {
            int[] prompt = promptIds[r], tokens = gen.tokens()[r];
            int start = p - prompt.length;
            for (int i = 0; i < prompt.length; i++) { ids[r * t + start + i] = prompt[i]; attention[r * t + start + i] = 1; }
            for (int i = 0; i < tokens.length; i++) {
                ids[r * t + p + i] = tokens[i];
                attention[r * t + p + i] = 1;
                mask[r * n + i] = 1;
            }
            lengths[r] = tokens.length;
            ended[r] = tokens.length > 0 && tokens[tokens.length - 1] == stopToken;
        }
        return new Rollout.Tokens(ids, attention, p, n, lengths, mask, ended);
    }

    /** s = R(prompt, completion) for each row, as the reward function returns it. */
    public static float[] score(RewardFunction reward, Tokenizer tokenizer, Sampled s) {
        return score(reward, tokenizer, s, 0, s.promptIds().length);
    }

    /** The scores of rows [from, to). */
    public static float[] score(RewardFunction reward, Tokenizer tokenizer, Sampled s, int from, int to) {
        int b = to - from;
        List<RewardFunction.Sample> batch = new ArrayList<>();
        for (int r = from; r < to; r++)
            batch.add(new RewardFunction.Sample(tokenizer.decode(s.promptIds()[r]), s.completions()[r], s.promptIds()[r],
                    s.generation().tokens()[r]));
        float[] scores = reward.score(batch);
        if (scores.length != b)
            throw new IllegalStateException("reward function " + reward.name() + " returned " + scores.length + " scores for " + b + " samples");
        return scores;
    }

    /** max |generator log-prob − learner log π_old| over real tokens: both must have computed the same distribution. */
    public static double logProbGap(Generation gen, Rollout.Tokens tokens, float[] logProbs) {
        double gap = 0;
        for (int r = 0; r < tokens.size(); r++)
            for (int i = 0; i < tokens.lengths()[r]; i++)
                gap = Math.max(gap, Math.abs(gen.logProbs()[r][i] - logProbs[r * tokens.n() + i]));
        return gap;
    }

    /** Σ_t k1 = Σ_t (log π_old − log π_ref)(y_t) of each row of (B, N) arrays. */
    public static double[] klPerSequence(float[] logProbs, float[] refLogProbs, Rollout.Tokens tokens) {
        double[] out = new double[tokens.size()];
        for (int row = 0; row < out.length; row++)
            for (int t = 0; t < tokens.lengths()[row]; t++) out[row] += logProbs[row * tokens.n() + t] - refLogProbs[row * tokens.n() + t];
        return out;
    }

    static int[] range(int from, int to) {
        int[] out = new int[to - from];
        for (int i = 0; i < out.length; i++) out[i] = from + i;
        return out;
    }

    /** A Fisher–Yates shuffle of 0..n−1 driven by a counter-based stream. */
    public static int[] permutation(int n, long seed) {
        int[] p = range(0, n);
        for (int i = n - 1; i > 0; i--) {
            int j = (int) Math.min(i, (long) Math.floor(CounterRng.uniform(seed, i) * (i + 1)));
            int tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
        return p;
    }
}
