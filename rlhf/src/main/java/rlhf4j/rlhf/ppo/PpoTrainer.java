package rlhf4j.rlhf.ppo;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import rlhf4j.autograd.Grad;
import rlhf4j.autograd.Variable;
import rlhf4j.autograd.optim.AdamW;
import rlhf4j.autograd.optim.GradClip;
import rlhf4j.rlhf.reward.RewardFunction;
import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.io.Safetensors;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.generate.Generation;
import rlhf4j.transformer.generate.Generator;
import rlhf4j.transformer.generate.SamplingConfig;
import rlhf4j.transformer.heads.HeadedModel;
import rlhf4j.transformer.tokenizer.Tokenizer;
import rlhf4j.transformer.train.ProgressBar;

/**
 * Proximal policy optimisation for a language model (Schulman et al. 2017; for text, Ziegler et al. 2019 and
 * Stiennon et al. 2020). Each iteration has two phases:
 *
 * <ol>
 * <li><b>Rollouts</b> ({@link #rollout}): B prompts → sample completions at temperature τ → score each with the
 *     reward function → per-token rewards r_t = −β·(log π_old − log π_ref)_t, plus the score at the last token →
 *     values V_t from the critic → GAE advantages and returns; advantages whitened.</li>
 * <li><b>Learning</b> ({@link #learn}): ppoEpochs passes over the batch in shuffled minibatches, each one step of
 *     AdamW on the clipped surrogate + clipped value loss − entropy bonus, gradients clipped by global norm.</li>
 * </ol>
 *
 * Then β is updated (fixed or adaptive), metrics are logged and, every checkpointEvery iterations, a checkpoint is
 * written. All randomness is counter-based on (seed, iteration), so a resumed run continues bit for bit.
 */
public final class PpoTrainer {
    // independent random streams derived from the run's seed
    private static final long PROMPT_STREAM = 0x9E3779B97F4A7C15L, SAMPLE_STREAM = 0xC2B2AE3D27D4EB4FL,
            SHUFFLE_STREAM = 0x165667B19E3779F9L;

    private final PpoConfig cfg;
    private final PpoModels models;
    private final RewardFunction reward;
    private final Tokenizer tokenizer;
    private final int stopToken;
    private final List<int[]> prompts;
    private final RunLog log;
    private final Checkpoints checkpoints;
    private final AdamW optimizer;
    private final KlController kl;
    private final Deque<Double> recentScores = new ArrayDeque<>();
    private int iterations;                                   // completed so far
    private PrintStream progressOut;
    private final List<IterationStats> history = new ArrayList<>();

    /**
     * @param tokenizer decodes completions for the reward function and the logs
     * @param stopToken the id that ends a completion (e.g. EOS; BOS for llama2.c models), or −1
     * @param prompts   token ids of every training prompt (each starting as the model expects, e.g. with BOS)
     * @param runDir    where metrics, samples and checkpoints go
     */
    public PpoTrainer(PpoConfig cfg, PpoModels models, RewardFunction reward, Tokenizer tokenizer, int stopToken,
                      List<int[]> prompts, Path runDir) {
        if (prompts.isEmpty()) throw new IllegalArgumentException("PPO needs at least one prompt");
        this.cfg = cfg;
        this.models = models;
        this.reward = reward;
        this.tokenizer = tokenizer;
        this.stopToken = stopToken;
        this.prompts = List.copyOf(prompts);
        this.log = new RunLog(runDir);
        this.checkpoints = new Checkpoints(runDir);
        this.optimizer = new AdamW(models.trainedParameters(), cfg.learningRate(), 0.9, 0.999, 1e-8, cfg.weightDecay());
        this.kl = new KlController(cfg.initKlCoef(), cfg.adaptiveKl(), cfg.targetKl(), cfg.klHorizon());
    }

    /** Where the progress bar goes (null = none). Returns this. */
    public PpoTrainer progress(PrintStream out) {
        this.progressOut = out;
        return this;
    }

    public int iterations() { return iterations; }

    public PpoModels models() { return models; }

    public double beta() { return kl.beta(); }

    public RunLog log() { return log; }

    public Checkpoints checkpoints() { return checkpoints; }

    /** Metrics of every iteration run or restored. */
    public List<IterationStats> history() { return List.copyOf(history); }

    // ================================================================================================ the loop

    /**
     * Runs iterations until the step cap or until the moving-average score reaches the threshold; writes a checkpoint
     * every checkpointEvery iterations and at the end. Returns the metrics of the iterations run in this call.
     *
     * @throws TrainingDivergedException at the first NaN/∞ in a loss or gradient (no update is made with it)
     */
    public List<IterationStats> train() {
        ProgressBar bar = ProgressBar.on(progressOut, "ppo", cfg.maxIterations());
        List<IterationStats> run = new ArrayList<>();
        while (iterations < cfg.maxIterations() && !thresholdReached()) {
            IterationStats s = step();
            run.add(s);
            bar.update(iterations, String.format(Locale.ROOT, "score %.3f kl %.3f β %.4f ent %.2f clip %.2f %.1f s/it",
                    s.scoreMean(), s.klSequence(), s.beta(), s.entropy(), s.clipFraction(), s.timeTotal()));
            if (cfg.checkpointEvery() > 0 && iterations % cfg.checkpointEvery() == 0) saveCheckpoint();
        }
        bar.finish();
        if (cfg.checkpointEvery() == 0 || iterations % cfg.checkpointEvery() != 0) saveCheckpoint();
        return run;
    }

    private boolean thresholdReached() {
        if (Double.isNaN(cfg.rewardThreshold()) || recentScores.size() < cfg.rewardWindow()) return false;
        return recentScores.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN) >= cfg.rewardThreshold();
    }

    /** One iteration: rollouts, learning, β update, logs. */
    public IterationStats step() {
        int it = iterations;
        long t0 = System.nanoTime();
        double beta = kl.beta();
        Timings time = new Timings();
        Rollout r = rollout(it, beta, time);
        long t1 = System.nanoTime();
        LearnStats ls = learn(r, it);
        time.learning = (System.nanoTime() - t1) / 1e9;
        double total = (System.nanoTime() - t0) / 1e9;

        double[] klPerSeq = klPerSequence(r);                  // Σ_t k1 of each row
        double klSeq = Arrays.stream(klPerSeq).average().orElse(0);
        kl.update(klSeq, r.size());
        double[] ms = Masked.meanStd(r.scores());
        int tokens = Arrays.stream(r.lengths()).sum();
        int ended = 0;
        for (boolean e : r.ended()) if (e) ended++;
        float[] diff = new float[r.returns().length];
        for (int i = 0; i < diff.length; i++) diff[i] = r.returns()[i] - r.values()[i];
        double varReturns = Masked.variance(r.returns(), r.tokenMask());
        IterationStats s = new IterationStats(it, ms[0], ms[1], klSeq,
                maskedMeanOf(r.logProbs(), r.refLogProbs(), r.tokenMask()), Masked.mean(r.entropy(), r.tokenMask()),
                ls.clipFraction, ls.approxKl, ls.policyLoss, ls.valueLoss,
                varReturns == 0 ? Double.NaN : 1 - Masked.variance(diff, r.tokenMask()) / varReturns,
                (double) tokens / r.size(), (double) ended / r.size(), ls.ratioMean, ls.ratioMax, ls.firstRatioError, beta, ls.gradNorm,
                ls.minibatches, r.logProbGap(), time.generation, time.scoring, time.policyForward, time.reference,
                time.learning, total, tokens / total);
        iterations++;
        recentScores.addLast(ms[0]);
        while (recentScores.size() > cfg.rewardWindow()) recentScores.removeFirst();
        history.add(s);
        log.appendMetrics(s);
        log.appendScores(it, r.scores());
        List<RunLog.Sample> samples = new ArrayList<>();
        for (int i = 0; i < Math.min(4, r.size()); i++)
            samples.add(new RunLog.Sample(it, tokenizer.decode(prompts.get(r.promptIndex()[i])), r.completions()[i], r.scores()[i]));
        log.appendSamples(samples);
        return s;
    }

    /** Seconds per phase of one iteration. */
    private static final class Timings {
        double generation, scoring, policyForward, reference, learning;
    }

    // ================================================================================================ phase 1: rollouts

    /** The prompts of iteration {@code it}: the prompt set walked in a fresh shuffled order each pass. */
    int[] promptIndices(int it) {
        int b = cfg.batchSize(), n = prompts.size();
        int[] out = new int[b];
        Map<Integer, int[]> orders = new HashMap<>();
        for (int r = 0; r < b; r++) {
            long g = (long) it * b + r;                       // position in the endless stream of prompts
            int pass = (int) (g / n);
            out[r] = orders.computeIfAbsent(pass, p -> permutation(n, CounterRng.bits(cfg.seed() ^ PROMPT_STREAM, p)))[(int) (g % n)];
        }
        return out;
    }

    /** Generates, scores and evaluates one batch of rollouts with the current policy. */
    Rollout rollout(int it, double beta, Timings time) {
        int b = cfg.batchSize();
        int[] promptIndex = promptIndices(it);
        int[][] promptIds = new int[b][];
        for (int r = 0; r < b; r++) promptIds[r] = prompts.get(promptIndex[r]);

        // sample completions; top-k/top-p off, so the learner's softmax(logits/τ) is exactly the sampling distribution
        long t0 = System.nanoTime();
        SamplingConfig sampling = new SamplingConfig(cfg.temperature(), 0, 1, cfg.maxNewTokens(), stopToken);
        Generation gen = new Generator(models.policy().trunk).generate(promptIds, sampling, CounterRng.bits(cfg.seed() ^ SAMPLE_STREAM, it));
        int p = gen.promptLength(), n = Math.max(1, gen.completionLength()), t = p + n;
        int[] ids = new int[b * t], attention = new int[b * t], lengths = new int[b];
        float[] tokenMask = new float[b * n];
        boolean[] ended = new boolean[b];
        String[] completions = new String[b];
        for (int r = 0; r < b; r++) {
            int[] prompt = promptIds[r], tokens = gen.tokens()[r];
            int start = p - prompt.length;                                               // prompts left-padded
            for (int i = 0; i < prompt.length; i++) { ids[r * t + start + i] = prompt[i]; attention[r * t + start + i] = 1; }
            for (int i = 0; i < tokens.length; i++) {                                    // completions right-padded
                ids[r * t + p + i] = tokens[i];
                attention[r * t + p + i] = 1;
                tokenMask[r * n + i] = 1;
            }
            lengths[r] = tokens.length;
            ended[r] = tokens.length > 0 && tokens[tokens.length - 1] == stopToken;
            completions[r] = tokenizer.decode(ended[r] ? Arrays.copyOf(tokens, tokens.length - 1) : tokens);
        }
        time.generation = (System.nanoTime() - t0) / 1e9;

        // score each (prompt, completion)
        long t1 = System.nanoTime();
        List<RewardFunction.Sample> batch = new ArrayList<>();
        for (int r = 0; r < b; r++)
            batch.add(new RewardFunction.Sample(tokenizer.decode(promptIds[r]), completions[r], promptIds[r], gen.tokens()[r]));
        float[] scores = reward.score(batch);
        if (scores.length != b)
            throw new IllegalStateException("reward function " + reward.name() + " returned " + scores.length + " scores for " + b + " samples");
        time.scoring = (System.nanoTime() - t1) / 1e9;

        // log π_old, V_old and entropy from the learner's own forward pass, on the very minibatches of the first
        // epoch: the first update then recomputes exactly these numbers (ρ = 1), even where a kernel's rounding
        // depends on which rows share a batch
        long t2 = System.nanoTime();
        float[] logProbs = new float[b * n], values = new float[b * n], entropy = new float[b * n], refLogProbs = new float[b * n];
        int mb = cfg.minibatchSize();
        int[] order = epochOrder(it, 0);
        try (Grad.NoGrad ng = Grad.off()) {
            for (int from = 0; from < b; from += mb) {
                int[] rows = Arrays.copyOfRange(order, from, from + mb);
                try (MemoryScope chunk = MemoryScope.open()) {
                    Batch x = Batch.of(rows, ids, attention, t, p, n);
                    Forward f = forward(x, true);
                    copyRows(f.logProbs.value(), logProbs, rows, n);
                    copyRows(f.values.value(), values, rows, n);
                    copyRows(f.entropy.value(), entropy, rows, n);
                }
            }
            time.policyForward = (System.nanoTime() - t2) / 1e9;
            long t3 = System.nanoTime();
            for (int from = 0; from < b; from += mb) {                                   // log π_ref, same chunks
                int[] rows = Arrays.copyOfRange(order, from, from + mb);
                try (MemoryScope chunk = MemoryScope.open()) {
                    Batch x = Batch.of(rows, ids, attention, t, p, n);
                    copyRows(logProbsOf(models.reference(), x).value(), refLogProbs, rows, n);
                }
            }
            time.reference = (System.nanoTime() - t3) / 1e9;
        }
        double gap = 0;
        for (int r = 0; r < b; r++)
            for (int i = 0; i < lengths[r]; i++) gap = Math.max(gap, Math.abs(gen.logProbs()[r][i] - logProbs[r * n + i]));
        zeroPadding(logProbs, tokenMask);
        zeroPadding(refLogProbs, tokenMask);
        zeroPadding(values, tokenMask);
        zeroPadding(entropy, tokenMask);

        // per-token rewards: r_t = −β·(log π_old − log π_ref)_t, and the adjusted score added at the last token
        float[] rewards = new float[b * n];
        for (int i = 0; i < rewards.length; i++) rewards[i] = (float) (-beta * (logProbs[i] - refLogProbs[i])) * tokenMask[i];
        for (int r = 0; r < b; r++) {
            if (lengths[r] == 0) continue;
            double score = scores[r];
            if (!ended[r]) score -= cfg.missingEosPenalty();                             // penalise rambling past the budget
            if (cfg.rewardClip() > 0) score = Math.max(-cfg.rewardClip(), Math.min(cfg.rewardClip(), score));
            rewards[r * n + lengths[r] - 1] += (float) score;
        }
        if (cfg.whitenRewards()) rewards = Masked.whiten(rewards, tokenMask, true);

        Gae.Result gae = Gae.compute(rewards, values, lengths, n, cfg.gamma(), cfg.lambda());
        float[] advantages = Masked.whiten(gae.advantages(), tokenMask, false);
        return new Rollout(promptIndex, ids, attention, p, n, lengths, tokenMask, ended, completions, logProbs,
                refLogProbs, values, entropy, scores, rewards, advantages, gae.returns(), gap);
    }

    // ================================================================================================ phase 2: learning

    /** Sums over the minibatches actually run. */
    private static final class LearnStats {
        double policyLoss, valueLoss, approxKl, clipFraction, ratioSum, ratioMax = Double.NEGATIVE_INFINITY, gradNorm, tokens;
        double ratioMean, firstRatioError;
        int minibatches;
    }

    /** What one minibatch update saw (for tests and diagnostics). */
    public record MinibatchStats(int epoch, int index, double policyLoss, double valueLoss, double entropy,
                                 double approxKl, double clipFraction, double ratioMin, double ratioMean, double ratioMax,
                                 double gradNorm, double tokens) {}

    private final List<MinibatchStats> lastMinibatches = new ArrayList<>();

    /** The minibatch updates of the latest iteration, in order. */
    public List<MinibatchStats> lastMinibatches() { return List.copyOf(lastMinibatches); }

    LearnStats learn(Rollout r, int it) {
        LearnStats ls = new LearnStats();
        lastMinibatches.clear();
        int mb = cfg.minibatchSize();
        for (int epoch = 0; epoch < cfg.ppoEpochs(); epoch++) {
            int[] order = epochOrder(it, epoch);
            boolean stopEpoch = false;
            for (int k = 0; k < cfg.minibatches() && !stopEpoch; k++) {
                int[] rows = Arrays.copyOfRange(order, k * mb, (k + 1) * mb);
                MinibatchStats s = update(r, rows, it, epoch, k);
                lastMinibatches.add(s);
                if (epoch == 0 && k == 0) ls.firstRatioError = Math.max(Math.abs(s.ratioMax - 1), Math.abs(s.ratioMin - 1));
                ls.policyLoss += s.policyLoss;
                ls.valueLoss += s.valueLoss;
                ls.approxKl += s.approxKl;
                ls.clipFraction += s.clipFraction;
                ls.gradNorm += s.gradNorm;
                ls.ratioMax = Math.max(ls.ratioMax, s.ratioMax);
                ls.ratioSum += s.ratioMean * s.tokens;
                ls.tokens += s.tokens;
                ls.minibatches++;
                // optional early stop: the policy has moved too far from the rollout policy for this batch
                if (cfg.approxKlLimit() > 0 && s.approxKl > cfg.approxKlLimit()) stopEpoch = true;
            }
        }
        ls.ratioMean = ls.ratioSum / Math.max(1, ls.tokens);
        int m = Math.max(1, ls.minibatches);
        ls.policyLoss /= m;
        ls.valueLoss /= m;
        ls.approxKl /= m;
        ls.clipFraction /= m;
        ls.gradNorm /= m;
        return ls;
    }

    /** One AdamW step on one minibatch of rollouts. */
    private MinibatchStats update(Rollout r, int[] rows, int it, int epoch, int k) {
        int n = r.n();
        try (MemoryScope scope = MemoryScope.open()) {
            Batch x = Batch.of(rows, r.ids(), r.attention(), r.width(), r.promptLength(), n);
            Tensor mask = rowsOf(r.tokenMask(), rows, n);                                  // (b, N) 1 = real token
            Tensor oldLogProbs = rowsOf(r.logProbs(), rows, n);                            // (b, N)
            Tensor oldValues = rowsOf(r.values(), rows, n);                                // (b, N)
            Tensor advantages = rowsOf(r.advantages(), rows, n);                           // (b, N)
            Tensor returns = rowsOf(r.returns(), rows, n);                                 // (b, N)
            double tokens = 0;
            for (int row : rows) tokens += r.lengths()[row];
            double count = Math.max(1, tokens);

            Forward f = forward(x, cfg.entropyCoef() != 0);
            double eps = cfg.clipRange(), c = cfg.clipRangeValue();
            // ρ = exp(log π − log π_old)                                                     (b, N)
            Variable ratio = f.logProbs.sub(oldLogProbs).exp();
            // L_policy = mean_t max(−A·ρ, −A·clip(ρ, 1 − ε, 1 + ε))
            Variable unclipped = ratio.mul(advantages).neg();                              // (b, N)
            Variable clipped = ratio.clamp(1 - eps, 1 + eps).mul(advantages).neg();        // (b, N)
            Variable policyLoss = unclipped.maximum(clipped).mul(mask).sum().div(count);    // ()
            // L_value = ½·mean_t max((V − R)², (V_old + clip(V − V_old, −c, c) − R)²)
            Variable vClipped = f.values.sub(oldValues).clamp(-c, c).add(oldValues);       // (b, N)
            Variable valueLoss = f.values.sub(returns).square().maximum(vClipped.sub(returns).square())
                    .mul(mask).sum().div(count).mul(0.5);                                  // ()
            // H = mean_t entropy of π at the token's position
            Variable entropy = f.entropy.mul(mask).sum().div(count);                      // ()
            // L = L_policy + c_v·L_value − c_H·H
            Variable loss = policyLoss.add(valueLoss.mul(cfg.vfCoef())).sub(entropy.mul(cfg.entropyCoef()));

            double pl = policyLoss.item(), vl = valueLoss.item(), h = entropy.item(), total = loss.item();
            checkFinite("policy loss", pl, it, epoch, k, r);
            checkFinite("value loss", vl, it, epoch, k, r);
            checkFinite("entropy", h, it, epoch, k, r);
            checkFinite("total loss", total, it, epoch, k, r);

            optimizer.zeroGrad();
            loss.backward();
            double gradNorm = GradClip.clipGradNorm(optimizer.parameters().values(), cfg.maxGradNorm());
            checkFinite("gradient norm", gradNorm, it, epoch, k, r);
            optimizer.step();

            // diagnostics from the ratios this update started from
            float[] rho = ratio.value().toFloatArray(), m = mask.toFloatArray();             // (b, N)
            double k3 = 0, clipCount = 0, rSum = 0, rMin = Double.POSITIVE_INFINITY, rMax = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < rho.length; i++) {
                if (m[i] == 0) continue;
                k3 += (rho[i] - 1) - Math.log(rho[i]);                                     // k3 = (ρ − 1) − log ρ ≥ 0
                if (Math.abs(rho[i] - 1) > eps) clipCount++;
                rMin = Math.min(rMin, rho[i]);
                rMax = Math.max(rMax, rho[i]);
                rSum += rho[i];
            }
            return new MinibatchStats(epoch, k, pl, vl, h, k3 / count, clipCount / count, rMin, rSum / count, rMax, gradNorm, tokens);
        }
    }

    private void checkFinite(String quantity, double value, int it, int epoch, int k, Rollout r) {
        if (Double.isFinite(value)) return;
        StringBuilder why = new StringBuilder(String.format(Locale.ROOT, "%s = %s in epoch %d, minibatch %d", quantity, value, epoch, k));
        String[] names = {"scores (from " + reward.name() + ")", "per-token rewards", "values", "log π_old", "log π_ref", "advantages", "returns"};
        float[][] arrays = {r.scores(), r.rewards(), r.values(), r.logProbs(), r.refLogProbs(), r.advantages(), r.returns()};
        for (int i = 0; i < names.length; i++) {
            int bad = Masked.firstNonFinite(arrays[i]);
            if (bad >= 0) {
                int row = arrays[i] == r.scores() ? bad : bad / r.n();
                why.append(String.format(Locale.ROOT, "; %s hold %s (first in rollout row %d, prompt #%d)", names[i], arrays[i][bad], row,
                        r.promptIndex()[row]));
            }
        }
        Path last;
        try {
            last = checkpoints.latest();
        } catch (IOException e) {
            last = null;
        }
        throw new TrainingDivergedException(quantity, it, why.toString(), last);
    }

    // ================================================================================================ forward passes

    /** A minibatch of rows cut from the rollout's (B, T) arrays: ids and mask (b, T) I32, completion ids (b, N). */
    private record Batch(Tensor ids, Tensor mask, Tensor completionIds, int promptLength, int n) {
        static Batch of(int[] rows, int[] ids, int[] attention, int t, int p, int n) {
            int b = rows.length;
            int[] xi = new int[b * t], xm = new int[b * t], ci = new int[b * n];
            for (int j = 0; j < b; j++) {
                System.arraycopy(ids, rows[j] * t, xi, j * t, t);
                System.arraycopy(attention, rows[j] * t, xm, j * t, t);
                System.arraycopy(ids, rows[j] * t + p, ci, j * n, n);
            }
            return new Batch(Tensor.ofInts(xi, b, t), Tensor.ofInts(xm, b, t), Tensor.ofInts(ci, b, n), p, n);
        }
    }

    /** log π (b, N), values (b, N) and entropy (b, N) of the completion tokens. */
    private record Forward(Variable logProbs, Variable values, Variable entropy) {}

    /** The policy's (and critic's) pass over a minibatch; entropy keeps its graph only when withEntropyGrad. */
    private Forward forward(Batch x, boolean withEntropyGrad) {
        HeadedModel.Outputs o = models.policy().forward(onDevice(x.ids), onDevice(x.mask));
        Variable logp = CompletionLogProbs.completionLogits(o.logits(), x.promptLength, x.n, cfg.temperature()).logSoftmax();  // (b, N, V)
        Variable logProbs = CompletionLogProbs.gather(logp, x.completionIds);                                                  // (b, N)
        Variable entropy = CompletionLogProbs.entropy(withEntropyGrad ? logp : logp.detach());                                // (b, N)
        Variable allValues = models.valueModel() == null ? o.values()
                : models.valueModel().forward(onDevice(x.ids), onDevice(x.mask)).values();                               // (b, T)
        // V_t is read where token t is predicted, as the logits are                                                       (b, N)
        Variable values = allValues.narrow(1, x.promptLength - 1, x.n);
        return new Forward(logProbs, values, entropy);
    }

    /** log π_ref (b, N) of the completion tokens under a model without heads. */
    private Variable logProbsOf(TransformerModel model, Batch x) {
        Variable logits = model.forward(x.ids.to(model.device()), x.mask.to(model.device()));                           // (b, T, V)
        Variable logp = CompletionLogProbs.completionLogits(logits, x.promptLength, x.n, cfg.temperature()).logSoftmax();   // (b, N, V)
        return CompletionLogProbs.gather(logp, x.completionIds);                                                              // (b, N)
    }

    private Tensor onDevice(Tensor t) { return t.to(models.policy().trunk.device()); }

    /** rows of a (B, N) host array → a (b, N) tensor on the policy's device. */
    private Tensor rowsOf(float[] src, int[] rows, int n) {
        float[] out = new float[rows.length * n];
        for (int j = 0; j < rows.length; j++) System.arraycopy(src, rows[j] * n, out, j * n, n);
        return onDevice(Tensor.of(out, rows.length, n));
    }

    private static void copyRows(Tensor src, float[] dst, int[] rows, int n) {
        float[] v = src.contiguous().toFloatArray();                                       // (b, N)
        for (int j = 0; j < rows.length; j++) System.arraycopy(v, j * n, dst, rows[j] * n, n);
    }

    private static void zeroPadding(float[] x, float[] mask) {
        for (int i = 0; i < x.length; i++) if (mask[i] == 0) x[i] = 0;
    }

    private static double[] klPerSequence(Rollout r) {
        double[] out = new double[r.size()];
        for (int row = 0; row < r.size(); row++)
            for (int t = 0; t < r.lengths()[row]; t++) out[row] += r.logProbs()[row * r.n() + t] - r.refLogProbs()[row * r.n() + t];
        return out;
    }

    private static double maskedMeanOf(float[] a, float[] b, float[] mask) {
        float[] d = new float[a.length];
        for (int i = 0; i < d.length; i++) d[i] = a[i] - b[i];
        return Masked.mean(d, mask);
    }

    /** The shuffled order of the rollouts in epoch {@code epoch} of iteration {@code it}; minibatch k is slice k. */
    private int[] epochOrder(int it, int epoch) {
        return permutation(cfg.batchSize(), CounterRng.bits(cfg.seed() ^ SHUFFLE_STREAM, (long) it * cfg.ppoEpochs() + epoch));
    }

    static int[] range(int from, int to) {
        int[] out = new int[to - from];
        for (int i = 0; i < out.length; i++) out[i] = from + i;
        return out;
    }

    /** A Fisher–Yates shuffle of 0..n−1 driven by a counter-based stream. */
    static int[] permutation(int n, long seed) {
        int[] p = range(0, n);
        for (int i = n - 1; i > 0; i--) {
            int j = (int) Math.min(i, (long) Math.floor(CounterRng.uniform(seed, i) * (i + 1)));
            int tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
        return p;
    }

    // ================================================================================================ checkpoints

    /** Writes a checkpoint of the current state; returns its directory. */
    public Path saveCheckpoint() {
        try {
            Checkpoints.State state = new Checkpoints.State(iterations, kl.beta(), new ArrayList<>(recentScores), cfg.seed());
            return checkpoints.save(state, models.policy().stateDict(),
                    models.valueModel() == null ? null : models.valueModel().stateDict(), optimizer.stateDict(), cfg.keepCheckpoints());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Restores the newest checkpoint of the run directory (weights, optimizer moments and step, β, the score window,
     * the iteration count) and drops log lines of later iterations. Returns the checkpoint, or null when there is none.
     */
    public Path resume() throws IOException {
        Path ckpt = checkpoints.latest();
        if (ckpt == null) return null;
        Checkpoints.State state = Checkpoints.readState(ckpt);
        if (state.seed() != cfg.seed())
            throw new IllegalArgumentException("checkpoint " + ckpt + " was written with seed " + state.seed() + ", this run has "
                    + cfg.seed() + "; resuming would not continue the same run");
        try (MemoryScope scope = MemoryScope.open()) {
            models.policy().loadStateDict(Safetensors.read(ckpt.resolve(Checkpoints.POLICY)).tensors(), true);
            if (models.valueModel() != null)
                models.valueModel().loadStateDict(Safetensors.read(ckpt.resolve(Checkpoints.VALUE_MODEL)).tensors(), true);
            optimizer.loadStateDict(Safetensors.read(ckpt.resolve(Checkpoints.OPTIMIZER)).tensors());
        }
        iterations = state.iterations();
        kl.setBeta(state.beta());
        recentScores.clear();
        recentScores.addAll(state.recentScores());
        log.truncate(iterations);
        history.clear();
        history.addAll(log.metrics());
        return ckpt;
    }
}
