package rlhf4j.rlhf.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import rlhf4j.autograd.Grad;
import rlhf4j.autograd.Variable;
import rlhf4j.rlhf.oracle.TextScorer;
import rlhf4j.rlhf.ppo.Masked;
import rlhf4j.rlhf.ppo.CompletionLogProbs;
import rlhf4j.rlhf.reward.RewardFunction;
import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.generate.Generation;
import rlhf4j.transformer.generate.Generator;
import rlhf4j.transformer.generate.SamplingConfig;
import rlhf4j.transformer.tokenizer.Tokenizer;

/**
 * Reference policy vs trained policy on held-out prompts: both complete every prompt (same sampling settings and
 * per-prompt seeds), then each completion is scored by the reward function, by a gold scorer (an oracle the policy
 * never trained on) and, when given, a toxicity classifier and any number of held-out judges (reward functions the
 * policy never trained against, e.g. P(hate) of a classifier trained on other data by other annotators). The trained
 * policy's KL to the reference is measured on its own samples: KL = E_{y∼π}[Σ_t log π(y_t) − log π_ref(y_t)] (k1,
 * per sequence).
 */
public final class Evaluation {
    private Evaluation() {}

    /** Sampling for the evaluation; prompts go through in chunks of {@code chunk}. */
    public record Settings(int maxNewTokens, double temperature, long seed, int chunk) {
        public static Settings defaults(int maxNewTokens) { return new Settings(maxNewTokens, 1.0, 4321, 16); }
    }

    /** Mean and standard deviation. */
    public record MeanStd(double mean, double std) {
        static MeanStd of(float[] x) {
            if (x == null) return null;
            double[] m = Masked.meanStd(x);
            return new MeanStd(m[0], m[1]);
        }
    }

    /** One policy's figures. Gold and toxicity are null when no scorer was given. */
    public record Side(String name, MeanStd reward, MeanStd gold, MeanStd toxicity, MeanStd klToReference,
                       double meanLength, float[] rewards, float[] golds) {}

    /** One prompt's two completions, side by side. */
    public record SampleRow(String prompt, String reference, String trained, double referenceReward, double trainedReward,
                            Double referenceGold, Double trainedGold) {}

    /** A held-out judge's scores of the reference's and the trained policy's completions. */
    public record Judged(MeanStd reference, MeanStd trained) {}

    /**
     * @param winRate fraction of prompts where the trained completion scores higher by the gold scorer (by the
     *                reward when there is none); ties count ½
     * @param judges  each held-out judge's figures, by the judge's name (its reward-source spec); empty (or null in
     *                results written before judges existed) when there were none
     */
    public record Result(Side reference, Side trained, double winRate, String winRateBy, List<SampleRow> samples,
                         Map<String, Judged> judges) {
        /** Without held-out judges. */
        public Result(Side reference, Side trained, double winRate, String winRateBy, List<SampleRow> samples) {
            this(reference, trained, winRate, winRateBy, samples, Map.of());
        }
    }

    public static Result run(TransformerModel reference, TransformerModel trained, Tokenizer tokenizer, int stopToken,
                             List<int[]> prompts, RewardFunction reward, TextScorer gold, TextScorer toxicity, Settings s) {
        return run(reference, trained, tokenizer, stopToken, prompts, new Scorers(reward, gold, toxicity, Map.of()), s);
    }

    /**
     * What scores the completions: the proxy reward, a gold scorer and a toxicity probability (null for none), and
     * held-out judges by name (in order).
     */
    public record Scorers(RewardFunction reward, TextScorer gold, TextScorer toxicity, Map<String, RewardFunction> judges) {}

    public static Result run(TransformerModel reference, TransformerModel trained, Tokenizer tokenizer, int stopToken,
                             List<int[]> prompts, Scorers scorers, Settings s) {
        RewardFunction reward = scorers.reward();
        TextScorer gold = scorers.gold(), toxicity = scorers.toxicity();
        if (prompts.isEmpty()) throw new IllegalArgumentException("evaluation needs at least one prompt");
        Completions ref = complete(reference, null, tokenizer, stopToken, prompts, s);
        Completions pol = complete(trained, reference, tokenizer, stopToken, prompts, s);
        Side refSide = side("reference", ref, tokenizer, prompts, reward, gold, toxicity, new float[prompts.size()]);
        Side polSide = side("trained", pol, tokenizer, prompts, reward, gold, toxicity, pol.kl);
        float[] a = gold != null ? polSide.golds() : polSide.rewards(), b = gold != null ? refSide.golds() : refSide.rewards();
        double wins = 0;
        for (int i = 0; i < a.length; i++) wins += a[i] > b[i] ? 1 : a[i] == b[i] ? 0.5 : 0;
        List<SampleRow> rows = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++)
            rows.add(new SampleRow(tokenizer.decode(prompts.get(i)), ref.texts[i], pol.texts[i], refSide.rewards()[i],
                    polSide.rewards()[i], gold == null ? null : (double) refSide.golds()[i], gold == null ? null : (double) polSide.golds()[i]));
        Map<String, Judged> judged = new LinkedHashMap<>();
        for (var j : scorers.judges().entrySet())
            judged.put(j.getKey(), new Judged(MeanStd.of(j.getValue().score(samples(ref, tokenizer, prompts))),
                    MeanStd.of(j.getValue().score(samples(pol, tokenizer, prompts)))));
        return new Result(refSide, polSide, wins / a.length, gold != null ? gold.name() : reward.name(), rows, judged);
    }

    private static List<RewardFunction.Sample> samples(Completions c, Tokenizer tok, List<int[]> prompts) {
        List<RewardFunction.Sample> batch = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++)
            batch.add(new RewardFunction.Sample(tok.decode(prompts.get(i)), c.texts[i], prompts.get(i), c.tokens[i]));
        return batch;
    }

    private static Side side(String name, Completions c, Tokenizer tok, List<int[]> prompts, RewardFunction reward,
                             TextScorer gold, TextScorer toxicity, float[] kl) {
        float[] rewards = reward.score(samples(c, tok, prompts));
        float[] golds = gold == null ? null : scoreAll(gold, c.texts);
        float[] tox = toxicity == null ? null : scoreAll(toxicity, c.texts);
        double len = Arrays.stream(c.tokens).mapToInt(t -> t.length).average().orElse(0);
        return new Side(name, MeanStd.of(rewards), MeanStd.of(golds), MeanStd.of(tox), MeanStd.of(kl), len, rewards, golds);
    }

    private static float[] scoreAll(TextScorer scorer, String[] texts) {
        float[] out = new float[texts.length];
        for (int i = 0; i < texts.length; i++) out[i] = (float) scorer.score(texts[i]);
        return out;
    }

    /** Completions of every prompt; with a reference model, also each one's Σ_t log π − log π_ref. */
    private static final class Completions {
        String[] texts;
        int[][] tokens;
        float[] kl;
    }

    private static Completions complete(TransformerModel model, TransformerModel reference, Tokenizer tok, int stopToken,
                                        List<int[]> prompts, Settings s) {
        int total = prompts.size();
        Completions c = new Completions();
        c.texts = new String[total];
        c.tokens = new int[total][];
        c.kl = new float[total];
        SamplingConfig sampling = new SamplingConfig(s.temperature(), 0, 1, s.maxNewTokens(), stopToken);
        for (int from = 0; from < total; from += s.chunk()) {
            int to = Math.min(total, from + s.chunk());
            int[][] chunk = prompts.subList(from, to).toArray(int[][]::new);
            long[] seeds = new long[chunk.length];
            for (int i = 0; i < seeds.length; i++) seeds[i] = CounterRng.bits(s.seed(), from + i);   // per prompt, not per chunk
            Generation g = new Generator(model).generate(chunk, sampling, seeds, null);
            for (int i = 0; i < chunk.length; i++) {
                int[] t = g.tokens()[i];
                boolean ended = t.length > 0 && t[t.length - 1] == stopToken;
                c.tokens[from + i] = t;
                c.texts[from + i] = tok.decode(ended ? Arrays.copyOf(t, t.length - 1) : t);
            }
            if (reference != null && g.completionLength() > 0) {
                float[] lp = logProbs(model, g, s.temperature()), lr = logProbs(reference, g, s.temperature());   // (b, N)
                int n = g.completionLength();
                for (int i = 0; i < chunk.length; i++)
                    for (int t = 0; t < g.tokens()[i].length; t++) c.kl[from + i] += lp[i * n + t] - lr[i * n + t];
            }
        }
        return c;
    }

    /** log-probs (b, N) of a generation's tokens under a model at temperature τ. */
    private static float[] logProbs(TransformerModel model, Generation g, double temperature) {
        try (Grad.NoGrad ng = Grad.off(); MemoryScope scope = MemoryScope.open()) {
            Generation.Batch b = g.batch(Generator.PAD_ID);
            Variable logits = model.forward(b.ids().to(model.device()), b.mask().to(model.device()));          // (b, T, V)
            Tensor completion = b.ids().narrow(1, b.promptLength(), b.completionLength()).contiguous();         // (b, N)
            Variable logp = CompletionLogProbs.completionLogits(logits, b.promptLength(), b.completionLength(), temperature).logSoftmax();
            return CompletionLogProbs.gather(logp, completion).value().toFloatArray();
        }
    }
}
