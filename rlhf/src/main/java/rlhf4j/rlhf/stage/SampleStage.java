package rlhf4j.rlhf.stage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.rlhf.feedback.JsonlWriter;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.feedback.SamplingSettings;
import rlhf4j.tensor.CounterRng;
import rlhf4j.transformer.Policy;
import rlhf4j.transformer.generate.Generation;
import rlhf4j.transformer.generate.Generator;
import rlhf4j.transformer.generate.SamplingConfig;
import rlhf4j.transformer.train.ProgressBar;

/**
 * K completions per prompt from a policy, written as the feedback schema's prompts.jsonl and completions.jsonl
 * (docs/feedback-format.md), ready for labelling. Completion k of prompt p is named {@code <prompt id>-s<k>} and
 * draws its random stream from {@code CounterRng.bits(seed, p·K + k)} (recorded as its seed), so the output does
 * not depend on the batch size. Prompts are cut to fit the context with the completion ({@link Policy#encodePrompt});
 * the policy's stop token ends a completion.
 */
public final class SampleStage {
    public static final String EVAL_PROMPTS_FILE = "eval_" + FeedbackData.PROMPTS_FILE;

    /**
     * @param k            completions per prompt
     * @param temperature  softmax temperature (0 = greedy)
     * @param topK         keep the k most likely tokens (0 = all)
     * @param topP         nucleus threshold in (0, 1]
     * @param maxNewTokens longest completion
     * @param batchSize    sequences generated together (the output does not depend on it)
     * @param seed         the base of every completion's random stream
     */
    public record Config(int k, double temperature, int topK, double topP, int maxNewTokens, int batchSize, long seed) {
        public Config {
            if (k < 1) throw new IllegalArgumentException("k = " + k + " completions per prompt must be >= 1");
            if (batchSize < 1) throw new IllegalArgumentException("batch size " + batchSize + " must be >= 1");
            if (maxNewTokens < 1) throw new IllegalArgumentException("max new tokens " + maxNewTokens + " must be >= 1");
            new SamplingConfig(temperature, topK, topP, maxNewTokens, -1);          // its checks of the sampler settings
        }

        /** 4 completions per prompt of up to 64 tokens at temperature 1, 16 at a time, seed 1. */
        public static Config defaults() { return new Config(4, 1.0, 0, 1.0, 64, 16, 1); }

        public Config withK(int k) { return new Config(k, temperature, topK, topP, maxNewTokens, batchSize, seed); }
        public Config withTemperature(double t) { return new Config(k, t, topK, topP, maxNewTokens, batchSize, seed); }
        public Config withTopK(int topK) { return new Config(k, temperature, topK, topP, maxNewTokens, batchSize, seed); }
        public Config withTopP(double topP) { return new Config(k, temperature, topK, topP, maxNewTokens, batchSize, seed); }
        public Config withMaxNewTokens(int n) { return new Config(k, temperature, topK, topP, n, batchSize, seed); }
        public Config withBatchSize(int b) { return new Config(k, temperature, topK, topP, maxNewTokens, b, seed); }
        public Config withSeed(long seed) { return new Config(k, temperature, topK, topP, maxNewTokens, batchSize, seed); }
    }

    /**
     * What to sample from.
     *
     * @param policy     the model, tokenizer and stop token
     * @param policyName recorded as each completion's checkpoint (e.g. the checkpoint's path)
     * @param prompts    the prompts to complete (ids unique)
     * @param heldOut    prompts kept aside for evaluation, written untouched to {@value #EVAL_PROMPTS_FILE}; empty = no such file
     */
    public record Input(Policy policy, String policyName, List<Prompt> prompts, List<Prompt> heldOut) {
        public Input {
            Objects.requireNonNull(policy, "policy");
            Objects.requireNonNull(policyName, "policyName");
            prompts = List.copyOf(prompts);
            heldOut = List.copyOf(heldOut);
            if (prompts.isEmpty()) throw new IllegalArgumentException("no prompts to sample from");
        }

        public static Input of(Policy policy, String policyName, List<Prompt> prompts) {
            return new Input(policy, policyName, prompts, List.of());
        }
    }

    /** The files written (heldOutPrompts null when none) and what was generated. */
    public record Result(Path prompts, Path completions, Path heldOutPrompts, int count, long tokens, double seconds) {}

    private final Config config;
    private final StageContext ctx;

    public SampleStage(Config config, StageContext ctx) {
        this.config = Objects.requireNonNull(config, "config");
        this.ctx = Objects.requireNonNull(ctx, "ctx");
    }

    /** Writes prompts.jsonl, completions.jsonl (and eval_prompts.jsonl) into outDir. */
    public Result run(Input in, Path outDir) throws IOException {
        Path promptsFile = outDir.resolve(FeedbackData.PROMPTS_FILE), completionsFile = outDir.resolve(FeedbackData.COMPLETIONS_FILE);
        Path heldOutFile = in.heldOut().isEmpty() ? null : outDir.resolve(EVAL_PROMPTS_FILE);
        List<Path> outputs = heldOutFile == null ? List.of(promptsFile, completionsFile) : List.of(promptsFile, completionsFile, heldOutFile);
        Outputs.prepare(outputs, ctx.output(), ctx.err());
        long t0 = System.nanoTime();
        List<Completion> completions = generate(in);
        Files.createDirectories(outDir);
        JsonlWriter.writeAll(promptsFile, FeedbackJson.PROMPT, in.prompts());
        JsonlWriter.writeAll(completionsFile, FeedbackJson.COMPLETION, completions);
        if (heldOutFile != null) JsonlWriter.writeAll(heldOutFile, FeedbackJson.PROMPT, in.heldOut());
        double secs = (System.nanoTime() - t0) / 1e9;
        long tokens = completions.stream().mapToLong(c -> c.tokenIds().length).sum();
        ctx.err().printf(Locale.ROOT, "%d completions (%d prompts x %d), %d tokens in %.1f s (%.1f tok/s) -> %s%n", completions.size(),
                in.prompts().size(), config.k(), tokens, secs, tokens / secs, completionsFile);
        return new Result(promptsFile, completionsFile, heldOutFile, completions.size(), tokens, secs);
    }

    private List<Completion> generate(Input in) {
        Policy policy = in.policy();
        int k = config.k(), rows = in.prompts().size() * k;
        int[][] ids = new int[rows][];
        long[] seeds = new long[rows];
        for (int p = 0; p < in.prompts().size(); p++) {
            int[] enc = policy.encodePrompt(in.prompts().get(p).text(), config.maxNewTokens());
            for (int j = 0; j < k; j++) {
                ids[p * k + j] = enc;
                seeds[p * k + j] = CounterRng.bits(config.seed(), (long) p * k + j);
            }
        }
        SamplingConfig sampling = new SamplingConfig(config.temperature(), config.topK(), config.topP(), config.maxNewTokens(), policy.stopToken());
        Generator generator = new Generator(policy.model());
        List<Completion> out = new ArrayList<>(rows);
        ProgressBar bar = ProgressBar.on(ctx.err(), "sample", rows);
        for (int from = 0; from < rows; from += config.batchSize()) {
            int to = Math.min(rows, from + config.batchSize());
            Generation g = generator.generate(Arrays.copyOfRange(ids, from, to), sampling, Arrays.copyOfRange(seeds, from, to), null);
            for (int r = from; r < to; r++) {
                Prompt prompt = in.prompts().get(r / k);
                int[] gen = g.tokens()[r - from];
                SamplingSettings settings = new SamplingSettings(in.policyName(), config.temperature(), config.topP(),
                        config.topK() == 0 ? null : config.topK(), seeds[r]);
                out.add(new Completion(prompt.id() + "-s" + (r % k), prompt.id(), policy.completionText(ids[r], gen), gen, settings));
            }
            bar.update(to, "");
        }
        bar.finish();
        return out;
    }
}
