package rlhf4j.transformer.train;

import java.util.LinkedHashMap;
import java.util.Map;
import rlhf4j.autograd.Grad;
import rlhf4j.autograd.Parameter;
import rlhf4j.autograd.Variable;
import rlhf4j.autograd.dist.DataParallel;
import rlhf4j.autograd.nn.Dropout;
import rlhf4j.autograd.nn.Module;
import rlhf4j.autograd.optim.AdamW;
import rlhf4j.autograd.optim.CosineSchedule;
import rlhf4j.autograd.optim.GradClip;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.dist.Collective;
import rlhf4j.tensor.dist.Collectives;
import rlhf4j.transformer.TransformerModel;

/**
 * Trains a causal language model by next-token prediction, as nanoGPT's train.py: each optimizer step adds the
 * gradients of {@code gradAccum} micro-batches (each loss divided by gradAccum), clips the global gradient norm,
 * sets the warmup + cosine learning rate and takes an AdamW step that decays matrices only.
 *
 * <pre>{@code
 * var trainer = new CausalLmTrainer(model, config, trainBatches, Map.of("val", valBatches));
 * while (trainer.step() < config.iters()) {
 *     StepResult r = trainer.trainStep();                     // r.loss(), r.lr(), r.gradNorm()
 *     if (trainer.evaluationDue()) System.out.println(trainer.evaluate());   // {val=1.93}
 * }
 * }</pre>
 *
 * Everything that decides the next step — weights, AdamW moments, the step number (which fixes the learning rate
 * and the batches drawn) and the dropout counters — is in {@link TrainingCheckpoint}, so a resumed run repeats a
 * straight one bit for bit.
 *
 * <p>Under an MPI launcher the trainer is data-parallel: every rank takes its share of the rows of every
 * micro-batch, weights its mean loss by its share of the micro-batch's scored tokens, and the gradients are summed
 * over ranks before clipping, so each step equals the single-process step up to float rounding. The checkpoint is
 * the same as a single process's, so a run resumes on any number of ranks.
 */
public final class CausalLmTrainer {
    private final TransformerModel model;
    private final TrainConfig config;
    private final BatchSource train;
    private final Map<String, BatchSource> evalSplits;
    private final AdamW optimizer;
    private final CosineSchedule schedule;
    private final Map<String, Dropout> dropouts;
    private final Collective world;
    private final DataParallel parallel;                  // null on a single rank
    private int step;                                     // optimizer steps taken
    private double bestValLoss = Double.POSITIVE_INFINITY;

    /** What one optimizer step did. */
    public record StepResult(int step, double loss, double lr, double gradNorm, long tokens, double seconds) {}

    /**
     * @param train      the training batches; step s uses batches s·gradAccum … s·gradAccum + gradAccum − 1
     * @param evalSplits named sources for {@link #evaluate} (e.g. "train", "val"), drawn from their own streams
     */
    public CausalLmTrainer(TransformerModel model, TrainConfig config, BatchSource train, Map<String, BatchSource> evalSplits) {
        this(model, config, train, evalSplits, Collectives.world());
    }

    /** A trainer over the ranks of {@code world} (rank 0's weights are copied to every rank first). */
    public CausalLmTrainer(TransformerModel model, TrainConfig config, BatchSource train, Map<String, BatchSource> evalSplits,
                           Collective world) {
        this.model = model;
        this.config = config;
        this.train = train;
        this.evalSplits = new LinkedHashMap<>(evalSplits);
        Map<String, Parameter> params = model.namedParameters();
        this.optimizer = new AdamW(params, config.lr(), config.beta1(), config.beta2(), 1e-8, config.weightDecay())
                .decayOnly(name -> params.get(name).dim() >= 2);     // nanoGPT: matrices and embeddings decay, biases and norms not
        this.schedule = config.schedule();
        this.dropouts = dropouts(model);
        this.world = world;
        this.parallel = world.size() > 1 ? new DataParallel(world, params) : null;
        if (parallel != null) parallel.broadcastParameters();
        model.train(true);
    }

    /** The ranks this trainer runs on. */
    public Collective world() { return world; }

    /** The data-parallel helper, or null on a single rank. */
    public DataParallel parallel() { return parallel; }

    public TransformerModel model() { return model; }

    public TrainConfig config() { return config; }

    public AdamW optimizer() { return optimizer; }

    /** Optimizer steps taken so far. */
    public int step() { return step; }

    /** The lowest "val" loss seen by {@link #evaluate}, or +∞. */
    public double bestValLoss() { return bestValLoss; }

    /** Micro-batches of training data drawn so far (the data position). */
    public long batchesDrawn() { return (long) step * config.gradAccum(); }

    /** One optimizer step over gradAccum micro-batches; returns the mean micro-batch loss. */
    public StepResult trainStep() {
        long t0 = System.nanoTime();
        double lr = schedule.apply(optimizer, step);
        double lossSum = 0, norm = Double.NaN;
        long tokens = 0;
        optimizer.zeroGrad();
        for (int micro = 0; micro < config.gradAccum(); micro++) {
            try (MemoryScope scope = MemoryScope.open()) {                // this micro-batch's activations and graph
                Batch batch = train.batch(batchesDrawn() + micro);
                if (parallel == null) {
                    Variable loss = loss(batch);                            // ()
                    loss.div(config.gradAccum()).backward();                // gradients add up over micro-batches
                    lossSum += loss.item();
                } else {
                    lossSum += shareOfLoss(batch);
                }
                tokens += (long) batch.rows() * batch.length();
            }
        }
        if (parallel != null) {
            parallel.reduceGradients(Collective.Op.SUM);
            lossSum = parallel.sum(lossSum);
        }
        try (MemoryScope scope = MemoryScope.open()) {
            if (config.gradClip() > 0) norm = GradClip.clipGradNorm(optimizer.parameters().values(), config.gradClip());
            optimizer.step();
        }
        step++;
        return new StepResult(step, lossSum / config.gradAccum(), lr, norm, tokens, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * This rank's part of a micro-batch: backward of (n_r / n)·mean_r / gradAccum, where mean_r is the mean loss of
     * its rows and n_r of the n scored tokens are its own, so the ranks' gradients sum to the whole batch's. Returns
     * (n_r / n)·mean_r, the rank's part of the batch's mean loss.
     */
    private double shareOfLoss(Batch batch) {
        DataParallel.Share share = parallel.share(batch.rows());
        if (share.count() == 0) return 0;
        Batch mine = batch.rows(share.start(), share.count());
        long scored = mine.scoredTokens(), total = batch.scoredTokens();
        if (scored == 0) return 0;
        double weight = (double) scored / total;
        Variable loss = loss(mine);                                         // ()
        loss.mul(weight / config.gradAccum()).backward();
        return loss.item() * weight;
    }

    /** Mean cross-entropy (nats per token) of the batch's scored targets: a graph to call backward on. */
    public Variable loss(Batch batch) {
        Tensor ids = batch.inputTensor(model.device());                     // (B, T)
        Tensor targets = batch.targetTensor(model.device());                // (B, T)
        return model.lmLoss(model.hidden(ids, null), targets, Batch.IGNORE); // ()
    }

    /**
     * Mean loss over evalIters batches of each split, without dropout or a graph (nanoGPT's estimate_loss). The
     * batches depend on the current step only, so a resumed run evaluates the same ones. Updates the best "val" loss.
     */
    public Map<String, Double> evaluate() {
        Map<String, Double> out = new LinkedHashMap<>();
        model.eval();
        try (Grad.NoGrad ng = Grad.off()) {
            for (var split : evalSplits.entrySet()) {
                double sum = 0;
                for (int i = 0; i < config.evalIters(); i++) {
                    if (i % world.size() != world.rank()) continue;       // ranks split the batches
                    try (MemoryScope scope = MemoryScope.open()) {
                        sum += loss(split.getValue().batch((long) step * config.evalIters() + i)).item();
                    }
                }
                if (parallel != null) sum = parallel.sum(sum);
                out.put(split.getKey(), sum / config.evalIters());
            }
        } finally {
            model.train(true);
        }
        Double val = out.get("val");
        if (val != null && val < bestValLoss) bestValLoss = val;
        return out;
    }

    /** Whether the step just taken is one to evaluate (and checkpoint) at: every evalInterval steps and the last. */
    public boolean evaluationDue() {
        return step == config.iters() || (config.evalInterval() > 0 && step % config.evalInterval() == 0);
    }

    // ============================================================================================ resumable state

    /** The dropout mask counters by module name (they fix the next masks). */
    public Map<String, Long> dropoutCalls() {
        Map<String, Long> out = new LinkedHashMap<>();
        dropouts.forEach((name, d) -> out.put(name, d.calls()));
        return out;
    }

    /** Restores the step, best val loss and dropout counters of a saved run (weights and moments are loaded apart). */
    void restore(int step, double bestValLoss, Map<String, Long> dropoutCalls) {
        if (!dropoutCalls.keySet().equals(dropouts.keySet()))
            throw new IllegalArgumentException("the saved dropout counters " + dropoutCalls.keySet()
                    + " do not match the model's dropout modules " + dropouts.keySet());
        this.step = step;
        this.bestValLoss = bestValLoss;
        dropoutCalls.forEach((name, calls) -> dropouts.get(name).setCalls(calls));
    }

    /** Every Dropout module of the tree by dotted name, in registration order. */
    static Map<String, Dropout> dropouts(Module root) {
        Map<String, Dropout> out = new LinkedHashMap<>();
        collect("", root, out);
        return out;
    }

    private static void collect(String prefix, Module m, Map<String, Dropout> out) {
        for (var e : m.children().entrySet()) {
            String name = prefix + e.getKey();
            if (e.getValue() instanceof Dropout d) out.put(name, d);
            collect(name + ".", e.getValue(), out);
        }
    }
}
