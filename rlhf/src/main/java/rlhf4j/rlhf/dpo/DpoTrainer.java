package rlhf4j.rlhf.dpo;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import rlhf4j.autograd.Grad;
import rlhf4j.autograd.Variable;
import rlhf4j.autograd.dist.DataParallel;
import rlhf4j.autograd.optim.AdamW;
import rlhf4j.autograd.optim.GradClip;
import rlhf4j.rlhf.ppo.Checkpoints;
import rlhf4j.rlhf.ppo.CompletionLogProbs;
import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.dist.Collective;
import rlhf4j.tensor.dist.Collectives;
import rlhf4j.tensor.io.Safetensors;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.run.CheckpointWriter;
import rlhf4j.transformer.run.JsonlLog;
import rlhf4j.transformer.run.Manifest;
import rlhf4j.transformer.run.RunLock;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.transformer.train.TrainingDivergedException;

/**
 * Direct preference optimisation of a policy on preference groups ({@link DpoLoss}). Each step is one AdamW step on a
 * batch of G groups; each completion of a group is forwarded once and its log π(y) = Σ_t log softmax(z_t)[y_t]
 * (temperature 1, over the completion's tokens only) is used by every pair it is part of.
 *
 * <p>The reference log-probs log π_ref(y) are computed once, before the first step, by the frozen reference in the
 * very batches of the first epoch (so at step 0 the policy computes bit for bit the same numbers and every h is
 * exactly 0), and cached in {@code RUN/reference/} (a checkpoint directory with a manifest); a resume reads them back.
 *
 * <p>Epoch e visits the groups in a shuffle seeded by (seed, e) alone, so a resumed run needs no saved random state:
 * after k steps it restores the policy, AdamW's moments and step, drops log lines of steps ≥ k and continues exactly
 * as the uninterrupted run would have. Checkpoints are {@link Checkpoints} ({@code checkpoints/step-NNNNNN}, the
 * policy under {@code trunk.*}, so eval and other commands open them as PPO's), written by the shared writer. The
 * run directory is locked while training. A NaN or ∞ loss or gradient norm stops the run before the update.
 *
 * <p>Under an MPI launcher each rank takes a contiguous share of every batch's groups (as the reward model does): its
 * loss is scaled by its share of the groups and the gradients are summed over ranks, so each step is the
 * single-process step up to rounding. The reference log-probs are computed the same way, each rank its share of each
 * first-epoch batch, then summed into every rank's cache. Rank 0 alone writes logs, the cache and checkpoints.
 */
public final class DpoTrainer {
    public static final String METRICS = "metrics.jsonl", EVAL = "eval.jsonl", REFERENCE_DIR = "reference",
            REFERENCE_FILE = "logprobs.safetensors";
    private static final long SHUFFLE_STREAM = 0x2545F4914F6CDD1DL;
    static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().disableHtmlEscaping().create();

    private final DpoConfig cfg;
    private final TransformerModel policy;
    private TransformerModel reference;                   // dropped once the reference log-probs are cached
    private final PairData train, heldOut;
    private final Path runDir;
    private final AdamW optimizer;
    private final Checkpoints checkpoints;
    private final JsonlLog metricsLog, evalLog;
    private final List<DpoStats> history = new ArrayList<>();
    private float[] refTrain, refHeldOut;
    private int steps;
    private int savedAt = -1;
    private Path lastGood;
    private PrintStream progressOut;
    private final Collective world;
    private final DataParallel parallel;                  // null on a single rank

    /**
     * @param reference a frozen copy of the starting policy (only read before the first step)
     * @param heldOut   groups measured (not trained on) at the end of each epoch, or null
     */
    public DpoTrainer(DpoConfig cfg, TransformerModel policy, TransformerModel reference, PairData train, PairData heldOut, Path runDir) {
        this.cfg = cfg;
        this.policy = policy;
        this.reference = reference;
        this.train = train;
        this.heldOut = heldOut == null || heldOut.groupCount() == 0 ? null : heldOut;
        this.runDir = runDir;
        policy.train(false);                                   // dropout off: π and π_ref see the same network at step 0
        reference.train(false);
        DpoConfig.Optimisation o = cfg.optimisation();
        this.optimizer = new AdamW(policy.namedParameters(), o.lr(), 0.9, 0.999, 1e-8, o.weightDecay());
        this.checkpoints = new Checkpoints(runDir);
        try {
            Files.createDirectories(runDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.metricsLog = new JsonlLog(runDir.resolve(METRICS), this::note);
        this.evalLog = new JsonlLog(runDir.resolve(EVAL), this::note);
        this.world = Collectives.world();
        this.parallel = world.size() > 1 ? new DataParallel(world, policy.namedParameters()) : null;
        if (parallel != null) parallel.broadcastParameters();
    }

    /** The data-parallel helper, or null on a single rank. */
    public DataParallel parallel() { return parallel; }

    public DpoTrainer progress(PrintStream out) {
        this.progressOut = world.isRoot() ? out : null;             // rank 0 reports for all
        return this;
    }

    public int steps() { return steps; }

    public int stepsPerEpoch() { return (train.groupCount() + cfg.optimisation().groupsPerBatch() - 1) / cfg.optimisation().groupsPerBatch(); }

    public int totalSteps() { return stepsPerEpoch() * cfg.optimisation().epochs(); }

    public List<DpoStats> history() { return List.copyOf(history); }

    public TransformerModel policy() { return policy; }

    public Checkpoints checkpoints() { return checkpoints; }

    // ================================================================================================ the loop

    /** Runs the remaining steps of every epoch, holding the run's lock; returns the figures of the steps run now. */
    public List<DpoStats> train() {
        try (RunLock lock = RunLock.runDirectoryReentrant(runDir)) {
            for (Path p : checkpoints.cleanTemporaries()) note("removed " + p + " (left by an interrupted save)");
            cacheReference();
            ProgressBar bar = ProgressBar.on(progressOut, "dpo", totalSteps());
            List<DpoStats> run = new ArrayList<>();
            int every = cfg.checkpointing().every();
            while (steps < totalSteps()) {
                DpoStats s = step();
                run.add(s);
                bar.update(steps, String.format(Locale.ROOT, "loss %.4f acc %.2f margin %.3f", s.loss(), s.rewards().accuracy(), s.rewards().margin()));
                if (steps % stepsPerEpoch() == 0 && heldOut != null) logEvaluation();
                if (every > 0 && steps % every == 0) saveCheckpoint();
            }
            bar.finish();
            if (savedAt != steps) saveCheckpoint();
            return run;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One AdamW step on the next batch of groups; returns its figures (before the update). */
    public DpoStats step() {
        if (refTrain == null) cacheReference();
        long t0 = System.nanoTime();
        int epoch = steps / stepsPerEpoch(), k = steps % stepsPerEpoch();
        int[] groups = batchGroups(epoch, k);
        try (MemoryScope scope = MemoryScope.open()) {
            BatchTerms t = parallel == null ? wholeBatch(groups) : sharedBatch(groups);
            double max = cfg.optimisation().maxGradNorm();
            double norm = max > 0 ? GradClip.clipGradNorm(optimizer.parameters().values(), max) : Double.NaN;
            if (max > 0 && !Double.isFinite(norm)) throw diverged("the gradient norm", "gradient norm = " + norm);
            optimizer.step();
            DpoStats s = new DpoStats(steps, epoch, t.loss, t.metrics, norm, t.pairs, t.tokens, (System.nanoTime() - t0) / 1e9);
            steps++;
            history.add(s);
            if (world.isRoot()) metricsLog.append(GSON.toJson(s.toJson()));
            return s;
        }
    }

    /** A step's loss, metrics, pairs and tokens over the whole batch, its gradients in the parameters. */
    private record BatchTerms(double loss, DpoLoss.Metrics metrics, int pairs, long tokens) {}

    /** The single-process step: the batch's loss backpropagated. */
    private BatchTerms wholeBatch(int[] groups) {
        PairBatch b = train.batch(groups);
        DpoLoss.Terms t = DpoLoss.compute(logProbs(policy, b), gather(refTrain, b.rows()), b.pairs(), cfg.loss());
        double loss = t.loss().item();
        if (!Double.isFinite(loss)) throw diverged("the loss", "loss = " + loss + " on groups " + java.util.Arrays.toString(groups));
        optimizer.zeroGrad();
        t.loss().backward();
        return new BatchTerms(loss, t.metrics(), b.pairs().size(), train.tokens(b.rows()));
    }

    /**
     * One rank's part of a data-parallel step: (g_r / G)·L_r backpropagated, L_r the loss of its g_r of the batch's G
     * groups, then gradients, losses and metrics summed over ranks (each pair weighs 1/(G·pairs of its group) in both).
     */
    private BatchTerms sharedBatch(int[] groups) {
        DataParallel.Share share = parallel.share(groups.length);
        double frac = (double) share.count() / groups.length;
        double[] mine = new double[6];                                // loss, chosen, rejected, accuracy, pairs, tokens
        optimizer.zeroGrad();
        if (share.count() > 0) {
            PairBatch b = train.batch(java.util.Arrays.copyOfRange(groups, share.start(), share.end()));
            DpoLoss.Terms t = DpoLoss.compute(logProbs(policy, b), gather(refTrain, b.rows()), b.pairs(), cfg.loss());
            Variable scaled = t.loss().mul(frac);
            DpoLoss.Metrics m = t.metrics();
            mine = new double[]{scaled.item(), frac * m.chosen(), frac * m.rejected(), frac * m.accuracy(), b.pairs().size(),
                    train.tokens(b.rows())};
            scaled.backward();
        }
        parallel.reduceGradients(Collective.Op.SUM);
        double[] all = parallel.sum(mine);
        if (!Double.isFinite(all[0])) throw diverged("the loss", "loss = " + all[0] + " on groups " + java.util.Arrays.toString(groups));
        return new BatchTerms(all[0], new DpoLoss.Metrics(all[1], all[2], all[3], all[1] - all[2]), (int) all[4], (long) all[5]);
    }

    /** The groups of step k of an epoch: a shuffle of all groups seeded by (seed, epoch), cut into consecutive batches. */
    int[] batchGroups(int epoch, int k) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < train.groupCount(); i++) order.add(i);
        Collections.shuffle(order, new Random(CounterRng.bits(cfg.seed() ^ SHUFFLE_STREAM, epoch)));
        int g = cfg.optimisation().groupsPerBatch(), from = k * g, to = Math.min(order.size(), from + g);
        return order.subList(from, to).stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * log π(y) of each row of a batch (b): the completion's token log-probs at temperature 1, summed over its real
     * tokens (padding masked out).
     */
    public static Variable logProbs(TransformerModel model, PairBatch b) {
        Variable logits = model.forward(b.ids().to(model.device()), b.attention().to(model.device()));             // (b, T, V)
        Variable logp = CompletionLogProbs.completionLogits(logits, b.promptLength(), b.n(), 1.0).logSoftmax();     // (b, N, V)
        Variable tokens = CompletionLogProbs.gather(logp, b.completionIds());                                        // (b, N)
        return tokens.mul(b.completionMask().to(model.device())).sum(1);                                            // (b)
    }

    private static float[] gather(float[] all, int[] rows) {
        float[] out = new float[rows.length];
        for (int i = 0; i < rows.length; i++) out[i] = all[rows[i]];
        return out;
    }

    // ================================================================================================ the reference

    /** Reads RUN/reference/ when it checks out, else computes log π_ref of every row and writes it there. */
    private void cacheReference() {
        if (refTrain != null) return;
        Path dir = runDir.resolve(REFERENCE_DIR);
        try {
            if (Files.isDirectory(dir) && Manifest.problem(dir) == null) {
                Map<String, Tensor> t = Safetensors.read(dir.resolve(REFERENCE_FILE)).tensors();
                refTrain = t.get("train").toFloatArray();
                refHeldOut = t.containsKey("held_out") ? t.get("held_out").toFloatArray() : null;
                if (refTrain.length != train.rowCount()) throw new IllegalArgumentException(dir + " holds " + refTrain.length
                        + " reference log-probs, the data has " + train.rowCount() + " completions: not this run's data");
            } else {
                refTrain = referenceLogProbs(train, firstEpochBatches());
                if (heldOut != null) refHeldOut = referenceLogProbs(heldOut, evaluationBatches());
                Map<String, Tensor> t = new LinkedHashMap<>();
                t.put("train", Tensor.of(refTrain, refTrain.length));
                if (refHeldOut != null) t.put("held_out", Tensor.of(refHeldOut, refHeldOut.length));
                if (world.isRoot()) {                                     // rank 0 writes the cache all ranks computed
                    if (Files.exists(dir)) rlhf4j.transformer.run.AtomicFiles.deleteTree(dir);
                    CheckpointWriter.write(dir, 0, Map.of(), (1 << 20) + 4L * (refTrain.length + train.rowCount()),
                            tmp -> Safetensors.write(tmp.resolve(REFERENCE_FILE), t));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        reference = null;
    }

    private List<int[]> firstEpochBatches() {
        List<int[]> out = new ArrayList<>();
        for (int k = 0; k < stepsPerEpoch(); k++) out.add(batchGroups(0, k));
        return out;
    }

    private List<int[]> evaluationBatches() {
        List<int[]> out = new ArrayList<>();
        int g = cfg.optimisation().groupsPerBatch();
        for (int from = 0; from < heldOut.groupCount(); from += g) {
            int[] b = new int[Math.min(g, heldOut.groupCount() - from)];
            for (int i = 0; i < b.length; i++) b[i] = from + i;
            out.add(b);
        }
        return out;
    }

    /**
     * log π_ref(y) of every row of the data, computed batch by batch in the batches given; on several ranks each
     * computes its share of each batch's groups (the rows its policy forwards in training) and the ranks' rows are summed.
     */
    private float[] referenceLogProbs(PairData data, List<int[]> batches) {
        float[] out = new float[data.rowCount()];
        try (Grad.NoGrad ng = Grad.off()) {
            for (int[] all : batches) {
                DataParallel.Share share = parallel == null ? new DataParallel.Share(0, all.length) : parallel.share(all.length);
                if (share.count() == 0) continue;
                int[] groups = java.util.Arrays.copyOfRange(all, share.start(), share.end());
                try (MemoryScope scope = MemoryScope.open()) {
                    PairBatch b = data.batch(groups);
                    float[] lp = logProbs(reference, b).value().toFloatArray();
                    for (int i = 0; i < lp.length; i++) out[b.rows()[i]] = lp[i];
                }
            }
        }
        if (parallel != null) {                                       // each row from one rank, zeros elsewhere
            Tensor t = Tensor.of(out, out.length);
            world.allReduce(t, Collective.Op.SUM);
            out = t.toFloatArray();
            t.free();
        }
        return out;
    }

    // ================================================================================================ evaluation

    /**
     * The loss and metrics of the current policy on the held-out groups (null without any), each group weighted as in
     * training; its step is the steps done and its epoch the epochs done (grad_norm NaN, seconds 0).
     */
    public DpoStats evaluate() {
        if (heldOut == null) return null;
        if (refTrain == null) cacheReference();
        double loss = 0, chosen = 0, rejected = 0, accuracy = 0;
        int pairs = 0;
        long tokens = 0;
        List<int[]> batches = evaluationBatches();
        try (Grad.NoGrad ng = Grad.off()) {
            for (int[] groups : batches)
                try (MemoryScope scope = MemoryScope.open()) {
                    PairBatch b = heldOut.batch(groups);
                    DpoLoss.Terms t = DpoLoss.compute(logProbs(policy, b), gather(refHeldOut, b.rows()), b.pairs(), cfg.loss());
                    double share = (double) groups.length / heldOut.groupCount();         // each batch's weights sum to 1
                    loss += share * t.loss().item();
                    chosen += share * t.metrics().chosen();
                    rejected += share * t.metrics().rejected();
                    accuracy += share * t.metrics().accuracy();
                    pairs += b.pairs().size();
                    tokens += heldOut.tokens(b.rows());
                }
        }
        return new DpoStats(steps, steps / stepsPerEpoch(), loss, new DpoLoss.Metrics(chosen, rejected, accuracy, chosen - rejected),
                Double.NaN, pairs, tokens, 0);
    }

    private void logEvaluation() {
        DpoStats e = evaluate();
        if (!world.isRoot()) return;
        evalLog.append(GSON.toJson(e.toJson()));
        note(String.format(Locale.ROOT, "  epoch %d held-out: loss %.4f, rewards/accuracies %.3f, rewards/margins %.4f", e.epoch(), e.loss(),
                e.rewards().accuracy(), e.rewards().margin()));
    }

    // ================================================================================================ checkpoints

    /** Writes a checkpoint of the current state: the policy under trunk.*, AdamW's state, the steps done and β. */
    public Path saveCheckpoint() {
        if (!world.isRoot()) {                                       // rank 0 writes the state every rank holds
            savedAt = steps;
            return lastGood = checkpoints.root().resolve(Checkpoints.name(steps));
        }
        try {
            Map<String, Tensor> weights = new LinkedHashMap<>();
            policy.stateDict().forEach((k, v) -> weights.put("trunk." + k, v));
            lastGood = checkpoints.save(new Checkpoints.State(steps, cfg.loss().beta(), List.of(), cfg.seed()), weights, null,
                    optimizer.stateDict(), cfg.checkpointing().keep());
            savedAt = steps;
            return lastGood;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Restores the newest valid checkpoint (policy, AdamW, steps done; a corrupt newer one is skipped with a note and
     * set aside) and drops log lines of later steps; without one the logs start afresh. Returns it, or null.
     */
    public Path resume() throws IOException {
        return checkpoints.resume(world, runDir, new Checkpoints.Resumable() {
            @Override public int restore(Path checkpoint) throws IOException { return restoreFrom(checkpoint); }

            @Override public void startAfresh(boolean root) throws IOException {
                if (root) JsonlLog.truncate(List.of(metricsLog, evalLog), "step", 0);
                history.clear();
            }
        }, this::note);
    }

    /** Policy, AdamW and steps from a checkpoint; rank 0 drops log lines of later steps, then every rank reads the log. */
    private int restoreFrom(Path ckpt) throws IOException {
        Checkpoints.State state = Checkpoints.readState(ckpt, cfg.seed());
        try (MemoryScope scope = MemoryScope.open()) {
            Checkpoints.loadPolicyTrunk(ckpt, policy);
            optimizer.loadStateDict(Safetensors.read(ckpt.resolve(Checkpoints.OPTIMIZER)).tensors());
        }
        steps = state.iterations();
        if (world.isRoot()) {
            JsonlLog.truncate(List.of(metricsLog), "step", steps);         // step k's line: the k-th step, 0-based
            JsonlLog.truncate(List.of(evalLog), "step", steps + 1);         // an evaluation after k steps says k
        }
        history.clear();
        for (JsonObject o : metricsLog.read()) history.add(DpoStats.fromJson(o));
        savedAt = steps;
        lastGood = ckpt;
        return steps;
    }

    private TrainingDivergedException diverged(String quantity, String why) {
        return new TrainingDivergedException(quantity, "step", steps, why, lastGood, "--resume");
    }

    private void note(String line) { (progressOut != null ? progressOut : System.err).println(line); }
}
