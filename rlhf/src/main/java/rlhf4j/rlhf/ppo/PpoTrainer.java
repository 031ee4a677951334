package rlhf4j.rlhf.ppo;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import rlhf4j.autograd.Grad;
import rlhf4j.autograd.Variable;
import rlhf4j.autograd.dist.DataParallel;
import rlhf4j.autograd.optim.AdamW;
import rlhf4j.autograd.optim.GradClip;
import rlhf4j.rlhf.reward.RewardFunction;
import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.dist.Collective;
import rlhf4j.tensor.dist.Collectives;
import rlhf4j.tensor.io.Safetensors;
import rlhf4j.rlhf.ppo.RolloutSampling.Sampled;
import rlhf4j.transformer.heads.HeadedModel;
import rlhf4j.transformer.tokenizer.Tokenizer;
import rlhf4j.transformer.run.DiskSpace;
import rlhf4j.transformer.run.RunLock;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.transformer.train.TrainingDivergedException;

/**
 * Proximal policy optimisation for a language model (Schulman et al. 2017; for text, Ziegler et al. 2019 and
 * Stiennon et al. 2020). Each iteration ({@link #step}) has two phases:
 *
 * <ol>
 * <li><b>Rollouts</b> ({@link #rollout}), one named step each:
 *   <ol>
 *   <li>{@link #sample}: B prompts → completions y ~ softmax(logits/τ), at most N tokens or up to the stop token;</li>
 *   <li>{@link #score}: s = R(prompt, completion) from the reward function;</li>
 *   <li>{@link #evaluate}: log π_old(y_t), V_old,t and H_t from ONE forward pass of the policy (value head included),
 *       then log π_ref(y_t) from the frozen reference;</li>
 *   <li>{@link ShapedRewards}: r_t = −β·(log π_old − log π_ref)(y_t), plus the score s at the last token;</li>
 *   <li>{@link Gae}: δ_t = r_t + γ·V_{t+1} − V_t, A_t = δ_t + γλ·A_{t+1}, R_t = A_t + V_t;</li>
 *   <li>whitening: A ← (A − mean A)/std A over the batch's real tokens ({@link Masked#whiten}).</li>
 *   </ol></li>
 * <li><b>Learning</b> ({@link #learn}): ppoEpochs passes over the batch in shuffled minibatches, each one step of
 *     AdamW on the clipped surrogate + clipped value loss − entropy bonus ({@link PpoLoss}), gradients clipped by
 *     global norm.</li>
 * </ol>
 *
 * Then β is updated ({@link KlController}), metrics are logged and, every checkpointing.every iterations, a
 * checkpoint is written. All randomness is counter-based on (seed, iteration), so a resumed run continues bit for bit.
 * Every pass over a rollout cuts it into the same {@link Minibatch}es (those of the first epoch for the rollout's own
 * passes), so the first update recomputes exactly the rollout's log π_old: ρ = 1 before any step.
 *
 * <p>Under an MPI launcher the run is data-parallel ({@link RolloutShards}): each rank generates, scores and
 * evaluates its share of the rollouts, every rank gathers the whole batch, so batch statistics are those of all B
 * rows, and each minibatch update sums the ranks' gradients of their share of its rows (every loss divided by the
 * minibatch's token count over all ranks). The weights therefore stay identical on all ranks; rank 0 alone writes
 * logs and checkpoints.
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
    private final List<MinibatchStats> lastMinibatches = new ArrayList<>();
    private CollapseLimits limits;                          // cfg.stopping().limits() unless set
    private boolean checkpointDue;            // the current state is to be saved once its own rollout has passed the checks
    private int savedAt = -1;                 // iterations of the newest checkpoint written or resumed
    private Path lastGood;                    // that checkpoint
    private double startEntropy = Double.NaN; // the policy's entropy in iteration 0
    private final Collective world;
    private final DataParallel parallel;      // null on a single rank
    private final RolloutShards shards;       // null on a single rank

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
        this.limits = cfg.stopping().limits();
        this.models = models;
        this.reward = reward;
        this.tokenizer = tokenizer;
        this.stopToken = stopToken;
        this.prompts = List.copyOf(prompts);
        this.log = new RunLog(runDir, this::note);          // torn log lines are reported where progress goes
        this.checkpoints = new Checkpoints(runDir);
        PpoConfig.Optimisation o = cfg.optimisation();
        this.optimizer = new AdamW(models.trainedParameters(), o.learningRate(), 0.9, 0.999, 1e-8, o.weightDecay());
        PpoConfig.KlControl k = cfg.kl();
        this.kl = new KlController(k.initBeta(), k.adaptive(), k.target(), k.horizon());
        this.world = Collectives.world();
        this.parallel = world.size() > 1 ? new DataParallel(world, models.trainedParameters()) : null;
        this.shards = parallel == null ? null : new RolloutShards(world);
        if (parallel != null) parallel.broadcastParameters();
    }

    /** The data-parallel helper, or null on a single rank. */
    public DataParallel parallel() { return parallel; }

    /** Seconds spent in collectives (rollout gathers, gradient all-reduces) since the last call; 0 on one rank. */
    public double takeCommunicationSeconds() {
        return parallel == null ? 0 : parallel.takeReduceSeconds() + shards.takeSeconds();
    }

    /** Where the progress bar goes (null = none). Returns this. */
    public PpoTrainer progress(PrintStream out) {
        this.progressOut = world.isRoot() ? out : null;             // rank 0 reports for all
        return this;
    }

    /** Sets when the run counts as collapsed (default {@link CollapseLimits#defaults()}). Returns this. */
    public PpoTrainer limits(CollapseLimits l) {
        this.limits = l;
        return this;
    }

    public int iterations() { return iterations; }

    public PpoModels models() { return models; }

    public double beta() { return kl.beta(); }

    public RunLog log() { return log; }

    public Checkpoints checkpoints() { return checkpoints; }

    /** Metrics of every iteration run or restored. */
    public List<IterationStats> history() { return List.copyOf(history); }

    /** The minibatch updates of the latest iteration, in order. */
    public List<MinibatchStats> lastMinibatches() { return List.copyOf(lastMinibatches); }

    // ================================================================================================ the loop

    /**
     * Runs iterations until the step cap or until the moving-average score reaches the threshold, holding the run
     * directory's lock. A checkpoint of the state after every checkpointing.every iterations, and of the final state,
     * is written only once the rollout of its policy has passed the collapse checks ({@link CollapseLimits}): the next
     * iteration's rollout, or for the final state one extra rollout. Each checkpoint whose rollout scores higher than
     * any before also becomes {@code checkpoints/best}. Returns the metrics of the iterations run in this call.
     *
     * @throws TrainingDivergedException at the first NaN/∞ in a loss or gradient (no update is made with it) or when
     *                                   the policy collapses; nothing of the bad state is saved
     */
    public List<IterationStats> train() {
        int every = cfg.checkpointing().every();
        try (RunLock lock = RunLock.runDirectoryReentrant(log.dir())) {
            DiskSpace.requireSpace(log.dir(), checkpointBytes());       // a full disk now, not at the first checkpoint
            for (Path p : checkpoints.cleanTemporaries()) note("removed " + p + " (left by an interrupted save)");
            ProgressBar bar = ProgressBar.on(progressOut, "ppo", cfg.stopping().maxIterations());
            List<IterationStats> run = new ArrayList<>();
            while (iterations < cfg.stopping().maxIterations() && !thresholdReached()) {
                IterationStats s = step();
                run.add(s);
                bar.update(iterations, String.format(Locale.ROOT, "score %.3f kl %.3f β %.4f ent %.2f clip %.2f %.1f s/it",
                        s.score().mean(), s.kl().sequence(), s.kl().beta(), s.completions().entropy(), s.updates().clipFraction(),
                        s.time().total()));
                if (every > 0 && iterations % every == 0) checkpointDue = true;
            }
            bar.finish();
            if (savedAt != iterations) {                  // the final state: one rollout to vet (and score) it, then save
                checkpointDue = true;
                Rollout r = rollout(iterations, kl.beta(), new PhaseTimes());
                vet(iterations, r);
                saveVetted(r);
            }
            return run;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean thresholdReached() {
        PpoConfig.Stopping stop = cfg.stopping();
        if (Double.isNaN(stop.rewardThreshold()) || recentScores.size() < stop.rewardWindow()) return false;
        return recentScores.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN) >= stop.rewardThreshold();
    }

    /** One iteration: rollouts, learning, β update, logs. */
    public IterationStats step() {
        int it = iterations;
        long t0 = System.nanoTime();
        double beta = kl.beta();
        PhaseTimes time = new PhaseTimes();
        Rollout r = rollout(it, beta, time);
        vet(it, r);
        if (checkpointDue) saveVetted(r);
        long t1 = System.nanoTime();
        LearnStats ls = learn(r, it);
        time.learning = secondsSince(t1);
        String ratio = limits.checkRatio(ls.ratioMax);
        if (ratio != null) throw diverged("the update", it, ratio);
        IterationStats s = statsOf(it, r, ls, beta, time.finish(secondsSince(t0), Arrays.stream(r.tokens().lengths()).sum()));
        kl.update(s.kl().sequence(), r.size());
        iterations++;
        recentScores.addLast(s.score().mean());
        while (recentScores.size() > cfg.stopping().rewardWindow()) recentScores.removeFirst();
        history.add(s);
        writeLogs(s, r);
        return s;
    }

    /**
     * Stops the run when the rollout's policy (the current weights) has gone bad: non-finite log-probs or entropies,
     * or a collapse ({@link CollapseLimits}). Its state is then never saved.
     */
    private void vet(int it, Rollout r) {
        Rollout.Outputs out = r.outputs();
        float[] mask = r.tokens().mask();
        for (var named : List.of(Map.entry("log π_old", out.logProbs()), Map.entry("the entropy", out.entropy()),
                Map.entry("values", out.values()))) {
            int bad = Masked.firstNonFinite(named.getValue());
            if (bad >= 0) throw diverged("the policy", it, named.getKey() + " holds " + named.getValue()[bad] + " (rollout row "
                    + bad / r.n() + "): the weights are no longer finite");
        }
        double entropy = Masked.mean(out.entropy(), mask);
        if (it == 0) startEntropy = entropy;
        double klSeq = Arrays.stream(klPerSequence(r)).average().orElse(0);
        String problem = limits.checkRollout(entropy, startEntropy, models.policy().trunk.vocabSize(), klSeq);
        if (problem != null) throw diverged("the policy", it, problem);
    }

    /** Writes the due checkpoint of the current state, whose rollout r passed {@link #vet}; best if r scored highest. */
    private void saveVetted(Rollout r) {
        checkpointDue = false;
        Path saved = saveCheckpoint();
        if (!world.isRoot()) return;
        double score = Masked.meanStd(r.rewards().scores())[0];
        try {
            if (score > checkpoints.bestScore()) checkpoints.saveBest(saved, score);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private TrainingDivergedException diverged(String quantity, int it, String why) {
        return new TrainingDivergedException(quantity, "iteration", it, why, lastGood, "--resume");
    }

    /** The metrics of an iteration from its rollout, its learning phase and its timings. */
    private static IterationStats statsOf(int it, Rollout r, LearnStats ls, double beta, IterationStats.Timings time) {
        Rollout.Tokens tok = r.tokens();
        Rollout.Outputs out = r.outputs();
        float[] mask = tok.mask(), returns = r.targets().returns();
        double[] score = Masked.meanStd(r.rewards().scores());
        double klSeq = Arrays.stream(klPerSequence(r)).average().orElse(0);                 // mean of Σ_t k1 per row
        float[] k1 = new float[mask.length], residual = new float[mask.length];
        for (int i = 0; i < mask.length; i++) {
            k1[i] = out.logProbs()[i] - out.refLogProbs()[i];
            residual[i] = returns[i] - out.values()[i];
        }
        double varReturns = Masked.variance(returns, mask);
        // explained variance 1 − Var(R − V)/Var(R): how much of the returns the rollout's values predicted
        double explained = varReturns == 0 ? Double.NaN : 1 - Masked.variance(residual, mask) / varReturns;
        int ended = 0;
        for (boolean e : tok.ended()) if (e) ended++;
        int tokens = Arrays.stream(tok.lengths()).sum();
        return new IterationStats(it, new IterationStats.Score(score[0], score[1]),
                new IterationStats.Kl(klSeq, Masked.mean(k1, mask), beta),
                new IterationStats.Completions((double) tokens / r.size(), (double) ended / r.size(), Masked.mean(out.entropy(), mask),
                        r.logProbGap()),
                ls.losses(explained), ls.updates(), time);
    }

    private void writeLogs(IterationStats s, Rollout r) {
        if (!world.isRoot()) return;
        log.appendMetrics(s);
        log.appendScores(s.iteration(), r.rewards().scores());
        List<RunLog.Sample> samples = new ArrayList<>();
        for (int i = 0; i < Math.min(4, r.size()); i++)
            samples.add(new RunLog.Sample(s.iteration(), tokenizer.decode(prompts.get(r.promptIndex()[i])), r.completions()[i],
                    r.rewards().scores()[i]));
        log.appendSamples(samples);
    }

    /** Seconds per phase of one iteration, filled in as the phases run. */
    private static final class PhaseTimes {
        double generation, scoring, policyForward, reference, learning;

        IterationStats.Timings finish(double total, int tokens) {
            return new IterationStats.Timings(generation, scoring, policyForward, reference, learning, total, tokens / total);
        }
    }

    private static double secondsSince(long t0) { return (System.nanoTime() - t0) / 1e9; }

    // ================================================================================================ phase 1: rollouts

    /**
     * Builds one batch of experience with the current policy: sample → score → log π_old, V_old, log π_ref → shaped
     * per-token rewards → GAE → whitened advantages.
     */
    Rollout rollout(int it, double beta, PhaseTimes time) {
        long t0 = System.nanoTime();
        Sampled s = sample(it);
        time.generation = secondsSince(t0);
        long t1 = System.nanoTime();
        float[] scores = score(s);
        time.scoring = secondsSince(t1);
        Rollout.Tokens tokens = s.tokens();
        Rollout.Outputs out = evaluate(tokens, it, time);
        double gap = RolloutSampling.logProbGap(s.generation(), tokens, out.logProbs());
        float[] rewards = ShapedRewards.compute(out, tokens, scores, beta, cfg.advantage());
        Gae.Result gae = Gae.compute(rewards, out.values(), tokens.lengths(), tokens.n(), cfg.advantage().gamma(), cfg.advantage().lambda());
        float[] advantages = Masked.whiten(gae.advantages(), tokens.mask(), false);         // (A − μ)/σ over real tokens
        return new Rollout(s.promptIndex(), tokens, s.completions(), out, new Rollout.Rewards(scores, rewards),
                new Rollout.Targets(advantages, gae.returns()), gap);
    }

    /** The prompts of iteration {@code it}: the prompt set walked in a fresh shuffled order each pass. */
    int[] promptIndices(int it) {
        return RolloutSampling.promptIndices(prompts.size(), cfg.sampling().batchSize(), it, cfg.seed() ^ PROMPT_STREAM);
    }

    /** Step 1: y ~ softmax(logits/τ) for each of the iteration's prompts ({@link RolloutSampling#sample}). */
    private Sampled sample(int it) {
        PpoConfig.Sampling sc = cfg.sampling();
        return RolloutSampling.sample(models.policy().trunk, tokenizer, stopToken, prompts, promptIndices(it), sc.temperature(),
                sc.maxNewTokens(), CounterRng.bits(cfg.seed() ^ SAMPLE_STREAM, it),
                shards == null ? RolloutSampling.ONE_PROCESS : shards::generate);
    }

    /** Step 2: s = R(prompt, completion) for each row, as the reward function returns it (each rank scores its share). */
    private float[] score(Sampled s) {
        int b = s.promptIds().length;
        return shards == null ? RolloutSampling.score(reward, tokenizer, s, 0, b)
                : shards.score(b, (from, to) -> RolloutSampling.score(reward, tokenizer, s, from, to));
    }

    /**
     * Step 3: log π_old(y_t), V_old,t and H_t from one forward pass of the policy per minibatch (the value head reads
     * the same hidden states), then log π_ref(y_t) from the reference; padding 0. The minibatches are the first
     * epoch's, so the first update recomputes exactly these numbers (ρ = 1), even where a kernel's rounding depends
     * on which rows share a batch.
     */
    private Rollout.Outputs evaluate(Rollout.Tokens tokens, int it, PhaseTimes time) {
        int size = tokens.size() * tokens.n();
        float[] logProbs = new float[size], values = new float[size], entropy = new float[size], refLogProbs = new float[size];
        List<int[]> minibatches = minibatches(it, 0);
        try (Grad.NoGrad ng = Grad.off()) {
            long t0 = System.nanoTime();
            for (int[] rows : myRows(minibatches))
                try (MemoryScope chunk = MemoryScope.open()) {
                    Minibatch x = Minibatch.of(tokens, rows);
                    Forward f = forward(x, true);
                    x.scatter(f.logProbs.value(), logProbs);
                    x.scatter(f.values.value(), values);
                    x.scatter(f.entropy.value(), entropy);
                }
            time.policyForward = secondsSince(t0);
            long t1 = System.nanoTime();
            for (int[] rows : myRows(minibatches))
                try (MemoryScope chunk = MemoryScope.open()) {
                    Minibatch x = Minibatch.of(tokens, rows);
                    x.scatter(CompletionLogProbs.of(models.reference(), x, cfg.sampling().temperature()).value(), refLogProbs);
                }
            time.reference = secondsSince(t1);
        }
        if (shards != null) shards.sumInPlace(List.of(logProbs, values, entropy, refLogProbs));   // each row from one rank
        for (float[] a : List.of(logProbs, refLogProbs, values, entropy)) zeroPadding(a, tokens.mask());
        return new Rollout.Outputs(logProbs, refLogProbs, values, entropy);
    }

    /** This rank's share of each minibatch's rows (all of them on a single rank); empty shares are left out. */
    private List<int[]> myRows(List<int[]> minibatches) { return shards == null ? minibatches : shards.mine(minibatches); }

    private int[] myShare(int[] rows) { return shards == null ? rows : shards.mine(rows); }

    // ================================================================================================ phase 2: learning

    /** Sums over the minibatches actually run. */
    private static final class LearnStats {
        double policyLoss, valueLoss, approxKl, clipFraction, ratioSum, ratioMax = Double.NEGATIVE_INFINITY, gradNorm, tokens;
        double firstRatioError;
        int minibatches;

        void add(MinibatchStats s) {
            MinibatchStats.Ratios r = s.ratios();
            if (minibatches == 0) firstRatioError = Math.max(Math.abs(r.max() - 1), Math.abs(r.min() - 1));
            policyLoss += s.policyLoss();
            valueLoss += s.valueLoss();
            approxKl += r.approxKl();
            clipFraction += r.clipFraction();
            gradNorm += s.gradNorm();
            ratioMax = Math.max(ratioMax, r.max());
            ratioSum += r.mean() * s.tokens();
            tokens += s.tokens();
            minibatches++;
        }

        /** Means over the minibatches run. */
        IterationStats.Losses losses(double explainedVariance) {
            int m = Math.max(1, minibatches);
            return new IterationStats.Losses(policyLoss / m, valueLoss / m, explainedVariance, gradNorm / m);
        }

        IterationStats.Updates updates() {
            int m = Math.max(1, minibatches);
            return new IterationStats.Updates(minibatches, ratioSum / Math.max(1, tokens), ratioMax, firstRatioError,
                    clipFraction / m, approxKl / m);
        }
    }

    /**
     * ppoEpochs passes over the rollout, each over freshly shuffled minibatches, one update per minibatch. An epoch ends
     * early once a minibatch's approx-KL passes the limit: the policy has moved too far from the rollout policy.
     */
    LearnStats learn(Rollout r, int it) {
        LearnStats ls = new LearnStats();
        lastMinibatches.clear();
        double limit = cfg.kl().approxKlLimit();
        for (int epoch = 0; epoch < cfg.optimisation().ppoEpochs(); epoch++) {
            List<int[]> minibatches = minibatches(it, epoch);
            for (int k = 0; k < minibatches.size(); k++) {
                MinibatchStats s = update(r, minibatches.get(k), it, epoch, k);
                lastMinibatches.add(s);
                ls.add(s);
                if (limit > 0 && s.ratios().approxKl() > limit) break;
            }
        }
        return ls;
    }

    /**
     * One AdamW step on L ({@link PpoLoss}) over one minibatch of rollouts; nothing is updated with a NaN. On several
     * ranks each takes its share of the rows, with every mean taken over the whole minibatch's tokens, so the sums
     * of the ranks' losses and gradients are the minibatch's.
     */
    private MinibatchStats update(Rollout r, int[] rows, int it, int epoch, int k) {
        try (MemoryScope scope = MemoryScope.open()) {
            double tokens = 0;
            for (int row : rows) tokens += r.tokens().lengths()[row];
            int[] mine = myShare(rows);
            double[] terms = new double[4];                              // policy, value, entropy, total
            MinibatchStats.Ratios ratios = new MinibatchStats.Ratios(Double.POSITIVE_INFINITY, 0, Double.NEGATIVE_INFINITY, 0, 0);
            optimizer.zeroGrad();
            if (mine.length > 0) {
                Minibatch x = Minibatch.of(r.tokens(), mine);
                PpoLoss.Targets targets = new PpoLoss.Targets(onDevice(x.gather(r.tokens().mask())), onDevice(x.gather(r.outputs().logProbs())),
                        onDevice(x.gather(r.outputs().values())), onDevice(x.gather(r.targets().advantages())),
                        onDevice(x.gather(r.targets().returns())), tokens);
                Forward f = forward(x, cfg.loss().entropyCoef() != 0);
                PpoLoss.Terms loss = PpoLoss.compute(f.logProbs, f.values, f.entropy, targets, cfg.loss());
                terms = new double[]{loss.policy().item(), loss.value().item(), loss.entropy().item(), loss.total().item()};
                if (parallel == null) checkTerms(terms, it, epoch, k, r);
                loss.total().backward();
                ratios = PpoLoss.ratioStats(loss.ratio().value(), targets.mask(), tokens, cfg.loss().clipRange());
            }
            if (parallel != null) {
                parallel.reduceGradients(Collective.Op.SUM);
                terms = parallel.sum(terms);
                ratios = shards.acrossRanks(ratios);
                checkTerms(terms, it, epoch, k, r);
            }
            double gradNorm = GradClip.clipGradNorm(optimizer.parameters().values(), cfg.optimisation().maxGradNorm());
            checkFinite("gradient norm", gradNorm, it, epoch, k, r);
            optimizer.step();
            return new MinibatchStats(epoch, k, tokens, terms[0], terms[1], terms[2], ratios, gradNorm);
        }
    }

    private void checkTerms(double[] terms, int it, int epoch, int k, Rollout r) {
        checkFinite("policy loss", terms[0], it, epoch, k, r);
        checkFinite("value loss", terms[1], it, epoch, k, r);
        checkFinite("entropy", terms[2], it, epoch, k, r);
        checkFinite("total loss", terms[3], it, epoch, k, r);
    }

    private void checkFinite(String quantity, double value, int it, int epoch, int k, Rollout r) {
        if (Double.isFinite(value)) return;
        StringBuilder why = new StringBuilder(String.format(Locale.ROOT, "%s = %s in epoch %d, minibatch %d", quantity, value, epoch, k));
        String[] names = {"scores (from " + reward.name() + ")", "per-token rewards", "values", "log π_old", "log π_ref", "advantages", "returns"};
        float[] scores = r.rewards().scores();
        float[][] arrays = {scores, r.rewards().perToken(), r.outputs().values(), r.outputs().logProbs(), r.outputs().refLogProbs(),
                r.targets().advantages(), r.targets().returns()};
        for (int i = 0; i < names.length; i++) {
            int bad = Masked.firstNonFinite(arrays[i]);
            if (bad >= 0) {
                int row = arrays[i] == scores ? bad : bad / r.n();
                why.append(String.format(Locale.ROOT, "; %s hold %s (first in rollout row %d, prompt #%d)", names[i], arrays[i][bad], row,
                        r.promptIndex()[row]));
            }
        }
        throw diverged(quantity, it, why.toString());
    }

    // ================================================================================================ forward passes

    /** The minibatches of epoch {@code epoch} of iteration {@code it}: the rollouts shuffled, then cut in order. */
    private List<int[]> minibatches(int it, int epoch) {
        long stream = CounterRng.bits(cfg.seed() ^ SHUFFLE_STREAM, (long) it * cfg.optimisation().ppoEpochs() + epoch);
        return Minibatch.slices(permutation(cfg.sampling().batchSize(), stream), cfg.minibatchSize());
    }

    /** log π (b, N), values (b, N) and entropy (b, N) of the completion tokens. */
    private record Forward(Variable logProbs, Variable values, Variable entropy) {}

    /**
     * The policy's (and critic's) pass over a minibatch: log π(y_t) = log softmax(z_t/τ)[y_t] with z_t the logits at
     * the column predicting y_t (the LM head runs on those N columns only), H_t = −Σ_v p·log p there, and V_t read at
     * the same column. Entropy keeps its graph only when withEntropyGrad.
     */
    private Forward forward(Minibatch x, boolean withEntropyGrad) {
        HeadedModel.Outputs o = models.policy().forward(onDevice(x.ids()), onDevice(x.mask()),
                CompletionLogProbs.firstColumn(x), x.n());                                                      // logits (b, N, V)
        Variable logp = CompletionLogProbs.atTemperature(o.logits(), cfg.sampling().temperature()).logSoftmax();     // (b, N, V)
        Variable logProbs = CompletionLogProbs.gather(logp, x.completionIds());                                         // (b, N)
        Variable entropy = CompletionLogProbs.entropy(withEntropyGrad ? logp : logp.detach());                         // (b, N)
        Variable allValues = models.valueModel() == null ? o.values()
                : models.valueModel().forward(onDevice(x.ids()), onDevice(x.mask())).values();                         // (b, T)
        Variable values = allValues.narrow(1, x.promptLength() - 1, x.n());                                             // (b, N)
        return new Forward(logProbs, values, entropy);
    }

    private Tensor onDevice(Tensor t) { return t.to(models.policy().trunk.device()); }

    private static void zeroPadding(float[] x, float[] mask) {
        for (int i = 0; i < x.length; i++) if (mask[i] == 0) x[i] = 0;
    }

    /** Σ_t k1 = Σ_t (log π_old − log π_ref)(y_t) of each row. */
    private static double[] klPerSequence(Rollout r) {
        return RolloutSampling.klPerSequence(r.outputs().logProbs(), r.outputs().refLogProbs(), r.tokens());
    }

    static int[] permutation(int n, long seed) { return RolloutSampling.permutation(n, seed); }

    // ================================================================================================ checkpoints

    /** Writes a checkpoint of the current state (unvetted: {@link #train} vets first); returns its directory. */
    public Path saveCheckpoint() {
        if (!world.isRoot()) {                                       // rank 0 writes the state every rank holds
            savedAt = iterations;
            return lastGood = checkpoints.root().resolve(Checkpoints.name(iterations));
        }
        try {
            Checkpoints.State state = new Checkpoints.State(iterations, kl.beta(), new ArrayList<>(recentScores), cfg.seed());
            lastGood = checkpoints.save(state, models.policy().stateDict(),
                    models.valueModel() == null ? null : models.valueModel().stateDict(), optimizer.stateDict(),
                    cfg.checkpointing().keep());
            savedAt = iterations;
            return lastGood;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Restores the newest valid checkpoint of the run directory (weights, optimizer moments and step, β, the score
     * window, the iteration count; a corrupt newer one is skipped with a note and set aside as NAME.corrupt) and drops
     * log lines of later iterations. With no checkpoint the logs start afresh. Returns the checkpoint, or null.
     */
    public Path resume() throws IOException {
        return checkpoints.resume(world, log.dir(), new Checkpoints.Resumable() {
            @Override public int restore(Path checkpoint) throws IOException { return restoreFrom(checkpoint); }

            @Override public void startAfresh(boolean root) throws IOException {
                if (root) log.truncate(0);
                history.clear();
            }
        }, this::note);
    }

    private int restoreFrom(Path ckpt) throws IOException {
        Checkpoints.State state = Checkpoints.readState(ckpt, cfg.seed());
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
        if (world.isRoot()) log.truncate(iterations);                 // the others read the log rank 0 truncated
        history.clear();
        history.addAll(log.metrics());
        if (!history.isEmpty() && history.getFirst().iteration() == 0) startEntropy = history.getFirst().completions().entropy();
        savedAt = iterations;
        lastGood = ckpt;
        return iterations;
    }

    /** About what one checkpoint takes: the policy (and critic) weights and AdamW's two moments, float32. */
    private long checkpointBytes() {
        long n = 0;
        for (Tensor t : models.policy().stateDict().values()) n += t.numel();
        if (models.valueModel() != null) for (Tensor t : models.valueModel().stateDict().values()) n += t.numel();
        for (var p : models.trainedParameters().values()) n += 2 * p.value().numel();
        return n * 4 + (1 << 20);
    }

    private void note(String line) { (progressOut != null ? progressOut : System.err).println(line); }
}
