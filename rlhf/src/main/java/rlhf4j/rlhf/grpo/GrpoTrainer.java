package rlhf4j.rlhf.grpo;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import rlhf4j.autograd.Grad;
import rlhf4j.autograd.Parameter;
import rlhf4j.autograd.Variable;
import rlhf4j.autograd.dist.DataParallel;
import rlhf4j.autograd.optim.AdamW;
import rlhf4j.autograd.optim.GradClip;
import rlhf4j.rlhf.ppo.Checkpoints;
import rlhf4j.rlhf.ppo.CollapseLimits;
import rlhf4j.rlhf.ppo.CompletionLogProbs;
import rlhf4j.rlhf.ppo.IterationStats;
import rlhf4j.rlhf.ppo.Masked;
import rlhf4j.rlhf.ppo.Minibatch;
import rlhf4j.rlhf.ppo.MinibatchStats;
import rlhf4j.rlhf.ppo.Rollout;
import rlhf4j.rlhf.ppo.RolloutSampling;
import rlhf4j.rlhf.ppo.RolloutShards;
import rlhf4j.rlhf.ppo.RunLog;
import rlhf4j.rlhf.reward.RewardFunction;
import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.dist.Collective;
import rlhf4j.tensor.dist.Collectives;
import rlhf4j.tensor.io.Safetensors;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.heads.HeadedModel;
import rlhf4j.transformer.run.DiskSpace;
import rlhf4j.transformer.run.RunLock;
import rlhf4j.transformer.tokenizer.Tokenizer;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.transformer.train.TrainingDivergedException;

/**
 * GRPO (Shao et al. 2024), Dr. GRPO (Liu et al. 2025) and RLOO (Ahmadian et al. 2024): critic-free policy
 * optimisation from groups of completions. Each iteration ({@link #step}):
 * <ol>
 * <li><b>Rollouts</b>: P prompts ({@link RolloutSampling#promptIndices}), each sampled G times (rows g·G .. g·G + G − 1
 *     are prompt g's group); scores s from the reward; log π_old, entropy and log π_ref of every completion token;
 *     sequence advantages A_i from the group ({@link GroupAdvantages}).</li>
 * <li><b>Learning</b>: epochs passes over shuffled minibatches, each one AdamW step on the clipped surrogate plus
 *     β·k3 to the reference ({@link GrpoLoss}), gradients clipped by global norm.</li>
 * </ol>
 * No value head and no shaped per-token rewards: the KL to the reference is a term of the loss, not of the reward.
 * Everything else is PPO's: sampling, the logs ({@link RunLog}, one {@link IterationStats} per iteration, value
 * figures NaN), collapse checks ({@link CollapseLimits}), vetted atomic checkpoints ({@link Checkpoints}, the policy
 * under {@code trunk.*}) and counter-based randomness on (seed, iteration), so that a resumed run continues bit for bit.
 *
 * <p>Under an MPI launcher the run is data-parallel as PPO's ({@link RolloutShards}): each rank generates, scores and
 * evaluates its share of the rows, every rank gathers the whole batch before the group statistics, so each group's
 * mean and std cover all G completions, and each minibatch update sums the ranks' gradients of their share of its
 * rows (token weights of the whole minibatch). The weights stay identical on all ranks; rank 0 alone writes.
 */
public final class GrpoTrainer {
    // independent random streams derived from the run's seed
    private static final long PROMPT_STREAM = 0x7F4A7C159E3779B9L, SAMPLE_STREAM = 0x27D4EB4FC2B2AE3DL,
            SHUFFLE_STREAM = 0x9E3779F9165667B1L;

    private final GrpoConfig cfg;
    private final HeadedModel policy;
    private final TransformerModel reference;
    private final RewardFunction reward;
    private final Tokenizer tokenizer;
    private final int stopToken;
    private final List<int[]> prompts;
    private final RunLog log;
    private final Checkpoints checkpoints;
    private final AdamW optimizer;
    private final Collective world;
    private final DataParallel parallel;      // null on a single rank
    private final RolloutShards shards;       // null on a single rank
    private final Deque<Double> recentScores = new ArrayDeque<>();
    private final List<IterationStats> history = new ArrayList<>();
    private final List<MinibatchStats> lastMinibatches = new ArrayList<>();
    private CollapseLimits limits;                          // cfg.stopping().limits() unless set
    private PrintStream progressOut;
    private int iterations;
    private boolean checkpointDue;
    private int savedAt = -1;
    private Path lastGood;
    private double startEntropy = Double.NaN;

    /**
     * @param policy    the trained model (trunk + LM head); no value head is added
     * @param reference a frozen copy of the starting policy (loaded separately so that training never touches it)
     * @param stopToken the id that ends a completion, or −1
     * @param prompts   token ids of every training prompt
     * @param runDir    where metrics, samples and checkpoints go
     */
    public GrpoTrainer(GrpoConfig cfg, TransformerModel policy, TransformerModel reference, RewardFunction reward, Tokenizer tokenizer,
                       int stopToken, List<int[]> prompts, Path runDir) {
        if (prompts.isEmpty()) throw new IllegalArgumentException("GRPO needs at least one prompt");
        if (policy.vocabSize() != reference.vocabSize())
            throw new IllegalArgumentException("policy vocabulary " + policy.vocabSize() + " differs from the reference's " + reference.vocabSize());
        this.cfg = cfg;
        this.limits = cfg.stopping().limits();
        this.policy = new HeadedModel(policy, true, null, null);
        this.reference = reference;
        this.policy.eval();                  // no dropout: rollout and learner log-probs must come from the same function
        reference.eval();
        this.reward = reward;
        this.tokenizer = tokenizer;
        this.stopToken = stopToken;
        this.prompts = List.copyOf(prompts);
        this.log = new RunLog(runDir, this::note);
        this.checkpoints = new Checkpoints(runDir);
        Map<String, Parameter> params = new LinkedHashMap<>();
        this.policy.namedParameters().forEach((k, v) -> params.put("policy." + k, v));
        this.optimizer = new AdamW(params, cfg.optimisation().learningRate(), 0.9, 0.999, 1e-8, cfg.optimisation().weightDecay());
        this.world = Collectives.world();
        this.parallel = world.size() > 1 ? new DataParallel(world, params) : null;
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
    public GrpoTrainer progress(PrintStream out) {
        this.progressOut = world.isRoot() ? out : null;             // rank 0 reports for all
        return this;
    }

    /** Sets when the run counts as collapsed (default {@link CollapseLimits#defaults()}). Returns this. */
    public GrpoTrainer limits(CollapseLimits l) {
        this.limits = l;
        return this;
    }

    public int iterations() { return iterations; }

    /** The trained model with its LM head (parameters trunk.*). */
    public HeadedModel policy() { return policy; }

    public RunLog log() { return log; }

    public Checkpoints checkpoints() { return checkpoints; }

    /** Metrics of every iteration run or restored. */
    public List<IterationStats> history() { return List.copyOf(history); }

    /** The minibatch updates of the latest iteration, in order (valueLoss holds the k3 term, unweighted by β). */
    public List<MinibatchStats> lastMinibatches() { return List.copyOf(lastMinibatches); }

    // ================================================================================================ the loop

    /**
     * Runs iterations until the step cap or until the moving-average score reaches the threshold, holding the run
     * directory's lock; checkpoints as {@code PpoTrainer.train}: each written only after the rollout of its own policy
     * passed the collapse checks, the highest-scoring one kept as best.
     *
     * @throws TrainingDivergedException at the first NaN/∞ in a loss or gradient, or when the policy collapses
     */
    public List<IterationStats> train() {
        int every = cfg.checkpointing().every();
        try (RunLock lock = RunLock.runDirectoryReentrant(log.dir())) {
            DiskSpace.requireSpace(log.dir(), checkpointBytes());
            for (Path p : checkpoints.cleanTemporaries()) note("removed " + p + " (left by an interrupted save)");
            ProgressBar bar = ProgressBar.on(progressOut, cfg.objective().baseline().id(), cfg.stopping().maxIterations());
            List<IterationStats> run = new ArrayList<>();
            while (iterations < cfg.stopping().maxIterations() && !thresholdReached()) {
                IterationStats s = step();
                run.add(s);
                bar.update(iterations, String.format(Locale.ROOT, "score %.3f kl %.3f ent %.2f clip %.2f %.1f s/it", s.score().mean(),
                        s.kl().sequence(), s.completions().entropy(), s.updates().clipFraction(), s.time().total()));
                if (every > 0 && iterations % every == 0) checkpointDue = true;
            }
            bar.finish();
            if (savedAt != iterations) {                  // the final state: one rollout to vet (and score) it, then save
                checkpointDue = true;
                GroupRollout r = rollout(iterations, new double[5]);
                vet(iterations, r);
                saveVetted(r);
            }
            return run;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean thresholdReached() {
        var stop = cfg.stopping();
        if (Double.isNaN(stop.rewardThreshold()) || recentScores.size() < stop.rewardWindow()) return false;
        return recentScores.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN) >= stop.rewardThreshold();
    }

    /** One iteration: rollouts, learning, logs. */
    public IterationStats step() {
        int it = iterations;
        long t0 = System.nanoTime();
        double[] time = new double[5];                      // generation, scoring, policy forward, reference, learning
        GroupRollout r = rollout(it, time);
        vet(it, r);
        if (checkpointDue) saveVetted(r);
        long t1 = System.nanoTime();
        LearnStats ls = learn(r, it);
        time[4] = secondsSince(t1);
        String ratio = limits.checkRatio(ls.ratioMax);
        if (ratio != null) throw diverged("the update", it, ratio);
        double total = secondsSince(t0);
        int tokens = Arrays.stream(r.tokens().lengths()).sum();
        IterationStats s = statsOf(it, r, ls, new IterationStats.Timings(time[0], time[1], time[2], time[3], time[4], total, tokens / total));
        iterations++;
        recentScores.addLast(s.score().mean());
        while (recentScores.size() > cfg.stopping().rewardWindow()) recentScores.removeFirst();
        history.add(s);
        writeLogs(s, r);
        return s;
    }

    /** Stops the run when the rollout's policy has non-finite outputs or has collapsed; its state is then never saved. */
    private void vet(int it, GroupRollout r) {
        for (var named : List.of(Map.entry("log π_old", r.logProbs()), Map.entry("the entropy", r.entropy()))) {
            int bad = Masked.firstNonFinite(named.getValue());
            if (bad >= 0) throw diverged("the policy", it, named.getKey() + " holds " + named.getValue()[bad] + " (rollout row "
                    + bad / r.tokens().n() + "): the weights are no longer finite");
        }
        double entropy = Masked.mean(r.entropy(), r.tokens().mask());
        if (it == 0) startEntropy = entropy;
        double kl = Arrays.stream(r.klPerSequence()).average().orElse(0);
        String problem = limits.checkRollout(entropy, startEntropy, policy.trunk.vocabSize(), kl);
        if (problem != null) throw diverged("the policy", it, problem);
    }

    private void saveVetted(GroupRollout r) {
        checkpointDue = false;
        Path saved = saveCheckpoint();
        if (!world.isRoot()) return;
        double score = Masked.meanStd(r.scores())[0];
        try {
            if (score > checkpoints.bestScore()) checkpoints.saveBest(saved, score);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private TrainingDivergedException diverged(String quantity, int it, String why) {
        return new TrainingDivergedException(quantity, "iteration", it, why, lastGood, "--resume");
    }

    /** An iteration's metrics; PPO's value-loss and explained-variance columns are NaN (there is no critic). */
    private IterationStats statsOf(int it, GroupRollout r, LearnStats ls, IterationStats.Timings time) {
        Rollout.Tokens tok = r.tokens();
        float[] mask = tok.mask(), k1 = new float[mask.length];
        for (int i = 0; i < mask.length; i++) k1[i] = r.logProbs()[i] - r.refLogProbs()[i];
        double[] score = Masked.meanStd(r.scores());
        int ended = 0;
        for (boolean e : tok.ended()) if (e) ended++;
        int tokens = Arrays.stream(tok.lengths()).sum(), b = tok.size();
        int m = Math.max(1, ls.minibatches);
        return new IterationStats(it, new IterationStats.Score(score[0], score[1]),
                new IterationStats.Kl(Arrays.stream(r.klPerSequence()).average().orElse(0), Masked.mean(k1, mask), cfg.objective().beta()),
                new IterationStats.Completions((double) tokens / b, (double) ended / b, Masked.mean(r.entropy(), mask), r.logProbGap()),
                new IterationStats.Losses(ls.surrogate / m, Double.NaN, Double.NaN, ls.gradNorm / m),
                new IterationStats.Updates(ls.minibatches, ls.ratioSum / Math.max(1, ls.tokens), ls.ratioMax, ls.firstRatioError,
                        ls.clipFraction / m, ls.approxKl / m), time);
    }

    private void writeLogs(IterationStats s, GroupRollout r) {
        if (!world.isRoot()) return;
        log.appendMetrics(s);
        log.appendScores(s.iteration(), r.scores());
        List<RunLog.Sample> samples = new ArrayList<>();
        for (int i = 0; i < Math.min(4, r.tokens().size()); i++)
            samples.add(new RunLog.Sample(s.iteration(), tokenizer.decode(prompts.get(r.promptIndex()[i])), r.completions()[i], r.scores()[i]));
        log.appendSamples(samples);
    }

    private static double secondsSince(long t0) { return (System.nanoTime() - t0) / 1e9; }

    // ================================================================================================ rollouts

    /**
     * One batch: G completions of each of P prompts, their scores, log π_old, entropy and log π_ref per token (0 at
     * padding), and the group advantages.
     *
     * @param time filled with the seconds of generation, scoring, the policy's and the reference's passes
     */
    GroupRollout rollout(int it, double[] time) {
        GrpoConfig.Sampling sc = cfg.sampling();
        int[] distinct = RolloutSampling.promptIndices(prompts.size(), sc.prompts(), it, cfg.seed() ^ PROMPT_STREAM);
        int[] promptIndex = new int[sc.batchSize()];
        for (int r = 0; r < promptIndex.length; r++) promptIndex[r] = distinct[r / sc.groupSize()];
        long t0 = System.nanoTime();
        RolloutSampling.Sampled s = RolloutSampling.sample(policy.trunk, tokenizer, stopToken, prompts, promptIndex, sc.temperature(),
                sc.maxNewTokens(), CounterRng.bits(cfg.seed() ^ SAMPLE_STREAM, it), shards == null ? RolloutSampling.ONE_PROCESS : shards::generate);
        time[0] = secondsSince(t0);
        long t1 = System.nanoTime();
        float[] scores = shards == null ? RolloutSampling.score(reward, tokenizer, s)
                : shards.score(promptIndex.length, (from, to) -> RolloutSampling.score(reward, tokenizer, s, from, to));
        time[1] = secondsSince(t1);
        Rollout.Tokens tokens = s.tokens();
        int size = tokens.size() * tokens.n();
        float[] logProbs = new float[size], entropy = new float[size], refLogProbs = new float[size];
        List<int[]> minibatches = minibatches(it, 0);       // the first epoch's: its first update recomputes these exactly (ρ = 1)
        try (Grad.NoGrad ng = Grad.off()) {
            long t2 = System.nanoTime();
            for (int[] rows : myRows(minibatches))
                try (MemoryScope chunk = MemoryScope.open()) {
                    Minibatch x = Minibatch.of(tokens, rows);
                    Variable logp = logSoftmax(x);
                    x.scatter(CompletionLogProbs.gather(logp, x.completionIds()).value(), logProbs);
                    x.scatter(CompletionLogProbs.entropy(logp).value(), entropy);
                }
            time[2] = secondsSince(t2);
            long t3 = System.nanoTime();
            for (int[] rows : myRows(minibatches))
                try (MemoryScope chunk = MemoryScope.open()) {
                    Minibatch x = Minibatch.of(tokens, rows);
                    x.scatter(CompletionLogProbs.of(reference, x, sc.temperature()).value(), refLogProbs);
                }
            time[3] = secondsSince(t3);
        }
        if (shards != null) shards.sumInPlace(List.of(logProbs, entropy, refLogProbs));   // each row from one rank
        for (float[] a : List.of(logProbs, refLogProbs, entropy)) zeroPadding(a, tokens.mask());
        float[] advantages = GroupAdvantages.compute(scores, sc.groupSize(), cfg.objective().baseline(), cfg.objective().epsilon());
        return new GroupRollout(s, new Rollout.Outputs(logProbs, refLogProbs, null, entropy), scores, advantages,
                RolloutSampling.logProbGap(s.generation(), tokens, logProbs));
    }

    /** This rank's share of each minibatch's rows (all of them on a single rank); empty shares are left out. */
    private List<int[]> myRows(List<int[]> minibatches) { return shards == null ? minibatches : shards.mine(minibatches); }

    /** log softmax(z/τ) (b, N, V) of the policy at the columns that predict the completion. */
    private Variable logSoftmax(Minibatch x) {
        return CompletionLogProbs.logSoftmax(policy.trunk, x, cfg.sampling().temperature());                           // (b, N, V)
    }

    private static void zeroPadding(float[] x, float[] mask) {
        for (int i = 0; i < x.length; i++) if (mask[i] == 0) x[i] = 0;
    }

    private Tensor onDevice(Tensor t) { return t.to(policy.trunk.device()); }

    /** The minibatches of epoch {@code epoch} of iteration {@code it}: the rollouts shuffled, then cut in order. */
    private List<int[]> minibatches(int it, int epoch) {
        long stream = CounterRng.bits(cfg.seed() ^ SHUFFLE_STREAM, (long) it * cfg.optimisation().ppoEpochs() + epoch);
        return Minibatch.slices(RolloutSampling.permutation(cfg.sampling().batchSize(), stream), cfg.minibatchSize());
    }

    // ================================================================================================ learning

    /** Sums over the minibatches run. */
    private static final class LearnStats {
        double surrogate, approxKl, clipFraction, ratioSum, ratioMax = Double.NEGATIVE_INFINITY, gradNorm, tokens, firstRatioError;
        int minibatches;

        void add(MinibatchStats s) {
            MinibatchStats.Ratios r = s.ratios();
            if (minibatches == 0) firstRatioError = Math.max(Math.abs(r.max() - 1), Math.abs(r.min() - 1));
            surrogate += s.policyLoss();
            approxKl += r.approxKl();
            clipFraction += r.clipFraction();
            gradNorm += s.gradNorm();
            ratioMax = Math.max(ratioMax, r.max());
            ratioSum += r.mean() * s.tokens();
            tokens += s.tokens();
            minibatches++;
        }
    }

    /** epochs passes over the rollout, each over freshly shuffled minibatches, one update per minibatch. */
    private LearnStats learn(GroupRollout r, int it) {
        LearnStats ls = new LearnStats();
        lastMinibatches.clear();
        for (int epoch = 0; epoch < cfg.optimisation().ppoEpochs(); epoch++) {
            List<int[]> minibatches = minibatches(it, epoch);
            for (int k = 0; k < minibatches.size(); k++) {
                MinibatchStats s = update(r, minibatches.get(k), it, epoch, k);
                lastMinibatches.add(s);
                ls.add(s);
            }
        }
        return ls;
    }

    /**
     * One AdamW step on L ({@link GrpoLoss}) over one minibatch; nothing is updated with a NaN. On several ranks each
     * takes its share of the rows with the whole minibatch's token weights, so the sums of the ranks' losses and
     * gradients are the minibatch's.
     */
    private MinibatchStats update(GroupRollout r, int[] rows, int it, int epoch, int k) {
        try (MemoryScope scope = MemoryScope.open()) {
            double tokens = 0;
            for (int row : rows) tokens += r.tokens().lengths()[row];
            int[] mine = shards == null ? rows : shards.mine(rows);
            double[] terms = new double[3];                              // surrogate, KL, total
            MinibatchStats.Ratios ratios = new MinibatchStats.Ratios(Double.POSITIVE_INFINITY, 0, Double.NEGATIVE_INFINITY, 0, 0);
            if (mine.length > 0) {
                Minibatch x = Minibatch.of(r.tokens(), mine);
                GrpoLoss.Targets targets = targets(r, x, mine, rows.length);
                Variable logProbs = CompletionLogProbs.gather(logSoftmax(x), x.completionIds());                       // (b, N)
                GrpoLoss.Terms loss = GrpoLoss.compute(logProbs, targets, cfg.objective());
                terms = new double[]{loss.surrogate().item(), loss.kl().item(), loss.total().item()};
                if (parallel == null) checkTerms(terms, it, epoch, k, r);
                optimizer.zeroGrad();
                loss.total().backward();
                ratios = MinibatchStats.Ratios.of(loss.ratio().value(), targets.mask(), tokens, cfg.objective().clipRange());
            } else optimizer.zeroGrad();
            if (parallel != null) {
                parallel.reduceGradients(Collective.Op.SUM);
                terms = shards.sum(terms);
                ratios = shards.acrossRanks(ratios);
                checkTerms(terms, it, epoch, k, r);
            }
            double gradNorm = GradClip.clipGradNorm(optimizer.parameters().values(), cfg.optimisation().maxGradNorm());
            checkFinite("gradient norm", gradNorm, it, epoch, k, r);
            optimizer.step();
            return new MinibatchStats(epoch, k, tokens, terms[0], terms[1], Double.NaN, ratios, gradNorm);
        }
    }

    /** The loss's inputs for rows {@code mine} of a minibatch of {@code b} rows: mask, token weights, log π_old, log π_ref, A. */
    private GrpoLoss.Targets targets(GroupRollout r, Minibatch x, int[] mine, int b) {
        Rollout.Tokens tok = r.tokens();
        int[] lengths = new int[mine.length];
        float[] adv = new float[mine.length * tok.n()];
        for (int j = 0; j < mine.length; j++) {
            lengths[j] = tok.lengths()[mine[j]];
            for (int t = 0; t < lengths[j]; t++) adv[j * tok.n() + t] = r.advantages()[mine[j]];
        }
        float[] w = GrpoLoss.weights(lengths, tok.n(), cfg.objective().baseline().lengthNormalised(), cfg.sampling().maxNewTokens(), b);
        return new GrpoLoss.Targets(onDevice(x.gather(tok.mask())), onDevice(Tensor.of(w, mine.length, tok.n())),
                onDevice(x.gather(r.logProbs())), onDevice(x.gather(r.refLogProbs())), onDevice(Tensor.of(adv, mine.length, tok.n())));
    }

    private void checkTerms(double[] terms, int it, int epoch, int k, GroupRollout r) {
        checkFinite("surrogate loss", terms[0], it, epoch, k, r);
        checkFinite("KL term", terms[1], it, epoch, k, r);
        checkFinite("total loss", terms[2], it, epoch, k, r);
    }

    private void checkFinite(String quantity, double value, int it, int epoch, int k, GroupRollout r) {
        if (Double.isFinite(value)) return;
        StringBuilder why = new StringBuilder(String.format(Locale.ROOT, "%s = %s in epoch %d, minibatch %d", quantity, value, epoch, k));
        String[] names = {"scores (from " + reward.name() + ")", "advantages", "log π_old", "log π_ref"};
        float[][] arrays = {r.scores(), r.advantages(), r.logProbs(), r.refLogProbs()};
        for (int i = 0; i < names.length; i++) {
            int bad = Masked.firstNonFinite(arrays[i]);
            if (bad >= 0) {
                int row = i < 2 ? bad : bad / r.tokens().n();
                why.append(String.format(Locale.ROOT, "; %s hold %s (first in rollout row %d, prompt #%d)", names[i], arrays[i][bad], row,
                        r.promptIndex()[row]));
            }
        }
        throw diverged(quantity, it, why.toString());
    }

    // ================================================================================================ checkpoints

    /** Writes a checkpoint of the current state (β fixed, no critic); returns its directory. */
    public Path saveCheckpoint() {
        if (!world.isRoot()) {                                       // rank 0 writes the state every rank holds
            savedAt = iterations;
            return lastGood = checkpoints.root().resolve(Checkpoints.name(iterations));
        }
        try {
            Checkpoints.State state = new Checkpoints.State(iterations, cfg.objective().beta(), new ArrayList<>(recentScores), cfg.seed());
            lastGood = checkpoints.save(state, policy.stateDict(), null, optimizer.stateDict(), cfg.checkpointing().keep());
            savedAt = iterations;
            return lastGood;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Restores the newest valid checkpoint of the run directory (weights, optimizer, score window, iteration count) and
     * drops log lines of later iterations; with none the logs start afresh. Returns the checkpoint, or null.
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
            policy.loadStateDict(Safetensors.read(ckpt.resolve(Checkpoints.POLICY)).tensors(), true);
            optimizer.loadStateDict(Safetensors.read(ckpt.resolve(Checkpoints.OPTIMIZER)).tensors());
        }
        iterations = state.iterations();
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

    private long checkpointBytes() {
        long n = 0;
        for (Tensor t : policy.stateDict().values()) n += 3 * t.numel();          // weights and AdamW's two moments
        return n * 4 + (1 << 20);
    }

    private void note(String line) { (progressOut != null ? progressOut : System.err).println(line); }
}
