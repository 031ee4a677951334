package rlhf4j.rlhf.reward;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import rlhf4j.autograd.Variable;
import rlhf4j.autograd.dist.DataParallel;
import rlhf4j.autograd.optim.AdamW;
import rlhf4j.autograd.optim.GradClip;
import rlhf4j.rlhf.consensus.PreferenceGroup;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.dist.Collective;
import rlhf4j.tensor.dist.Collectives;

/**
 * Trains a {@link RewardModel} on ranked groups, InstructGPT style: a batch holds G whole groups, each of the K
 * completions of a group is forwarded once, and the Bradley–Terry loss is averaged over the group's C(K, 2)
 * pairs (and then over the groups), so a ranking counts once however many pairs it gives and a completion's
 * gradient is not repeated in K−1 separate examples. AdamW updates trunk and head together; dropout stays off.
 *
 * <p>Under an MPI launcher each rank takes a contiguous share of every batch's groups; its loss is scaled by its
 * share of the groups and the gradients are summed over ranks, so each step is the single-process step up to
 * float rounding.
 */
public final class RewardTrainer {

    /**
     * @param epochs         passes over the training groups
     * @param groupsPerBatch G, groups per optimiser step
     * @param lr             AdamW learning rate (constant)
     * @param weightDecay    AdamW decoupled weight decay (matrices only)
     * @param margin         m₀ in −log σ(r_w − r_l − m₀ − mᵢ), mᵢ the pair's own margin; 0 for the plain loss
     * @param clipNorm       global gradient-norm clip, 0 = off
     * @param seed           shuffles the groups each epoch
     * @param centring       c of the centring term c·(r_w + r_l)² (TRL's center_rewards_coefficient), 0 = off
     */
    public record Config(int epochs, int groupsPerBatch, double lr, double weightDecay, double margin, double clipNorm, long seed,
                         double centring) {
        public Config {
            if (epochs < 1 || groupsPerBatch < 1) throw new IllegalArgumentException("epochs and groups per batch must be >= 1");
            if (!(lr > 0)) throw new IllegalArgumentException("learning rate " + lr + " must be > 0");
            if (margin < 0) throw new IllegalArgumentException("margin " + margin + " must be >= 0");
            if (!(centring >= 0)) throw new IllegalArgumentException("reward centring coefficient " + centring + " must be >= 0");
        }

        /** No centring. */
        public Config(int epochs, int groupsPerBatch, double lr, double weightDecay, double margin, double clipNorm, long seed) {
            this(epochs, groupsPerBatch, lr, weightDecay, margin, clipNorm, seed, 0);
        }

        public static Config defaults() { return new Config(1, 8, 1e-4, 0.0, 0.0, 1.0, 1); }
    }

    /** Figures after one epoch: mean training loss, held-out pairwise accuracy and loss (NaN without held-out pairs). */
    public record Epoch(int epoch, double trainLoss, double heldOutAccuracy, double heldOutLoss, double seconds) {}

    /** Progress callbacks (a progress bar, a log). */
    public interface Listener {
        default void onStep(int epoch, int step, int steps, double loss) {}

        default void onEpoch(Epoch e) {}
    }

    /** A group's completions as the ids the model reads (prompt + completion text). */
    public static int[][] encode(RewardModel model, PreferenceGroup g) {
        int[][] rows = new int[g.completions().size()][];
        for (int i = 0; i < rows.length; i++) {
            Completion c = g.completions().get(i);
            rows[i] = model.scoring.encode(g.prompt().text() + c.text());
        }
        return rows;
    }

    private final RewardModel model;
    private final Config config;
    private final AdamW optimizer;
    private final DataParallel parallel;                  // null on a single rank

    public RewardTrainer(RewardModel model, Config config) { this(model, config, Collectives.world()); }

    /** A trainer over the ranks of {@code world}; rank 0's weights are copied to every rank first. */
    public RewardTrainer(RewardModel model, Config config, Collective world) {
        this.model = model;
        this.config = config;
        // decay only matrices, not biases or norm scales, as GPT-2 training does
        var params = model.scoring.module.namedParameters();
        this.optimizer = new AdamW(params, config.lr(), 0.9, 0.999, 1e-8, config.weightDecay())
                .decayOnly(name -> params.get(name).dim() >= 2);
        this.parallel = world.size() > 1 ? new DataParallel(world, params) : null;
        if (parallel != null) parallel.broadcastParameters();
    }

    /** Trains for config.epochs, evaluating on heldOut after each; returns one record per epoch. */
    public List<Epoch> train(List<PreferenceGroup> groups, List<PreferenceGroup> heldOut, Listener listener) {
        if (groups.isEmpty()) throw new IllegalArgumentException("no training groups");
        List<int[][]> encoded = new ArrayList<>(groups.size());
        for (PreferenceGroup g : groups) encoded.add(encode(model, g));
        List<Epoch> history = new ArrayList<>();
        Random rng = new Random(config.seed());
        int steps = (groups.size() + config.groupsPerBatch() - 1) / config.groupsPerBatch();
        for (int epoch = 1; epoch <= config.epochs(); epoch++) {
            long t0 = System.nanoTime();
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < groups.size(); i++) order.add(i);
            java.util.Collections.shuffle(order, rng);
            double lossSum = 0;
            for (int s = 0; s < steps; s++) {
                int from = s * config.groupsPerBatch(), to = Math.min(groups.size(), (s + 1) * config.groupsPerBatch());
                double loss = parallel == null ? step(batchOf(groups, encoded, order.subList(from, to)))
                        : parallelStep(groups, encoded, order.subList(from, to));
                lossSum += loss;
                if (listener != null) listener.onStep(epoch, s + 1, steps, loss);
            }
            Evaluation ev = heldOut.isEmpty() ? null : evaluate(model, heldOut, config.margin());
            Epoch e = new Epoch(epoch, lossSum / steps, ev == null ? Double.NaN : ev.accuracy(),
                    ev == null ? Double.NaN : ev.loss(), (System.nanoTime() - t0) / 1e9);
            history.add(e);
            if (listener != null) listener.onEpoch(e);
        }
        return history;
    }

    /** The rows and pairs of the groups at these indices. */
    private record GroupBatch(TokenBatch batch, PairwiseLoss.Pairs pairs) {}

    private static GroupBatch batchOf(List<PreferenceGroup> groups, List<int[][]> encoded, List<Integer> indices) {
        List<PreferenceGroup> batchGroups = new ArrayList<>();
        List<int[]> rows = new ArrayList<>();
        for (int i : indices) {
            batchGroups.add(groups.get(i));
            rows.addAll(List.of(encoded.get(i)));
        }
        return new GroupBatch(TokenBatch.of(rows, TokenBatch.Side.RIGHT), PairwiseLoss.Pairs.ofGroups(batchGroups));
    }

    private double step(GroupBatch b) { return step(b.batch(), b.pairs()); }

    /**
     * One data-parallel step: this rank backpropagates (g_r / G)·L_r, L_r the mean loss of its g_r of the batch's G
     * groups, and the summed gradients are the whole batch's. Returns the batch's loss before the step.
     */
    private double parallelStep(List<PreferenceGroup> groups, List<int[][]> encoded, List<Integer> batch) {
        DataParallel.Share share = parallel.share(batch.size());
        double mine = 0;
        try (MemoryScope step = MemoryScope.open()) {
            optimizer.zeroGrad();
            if (share.count() > 0) {
                GroupBatch b = batchOf(groups, encoded, batch.subList(share.start(), share.end()));
                Variable loss = PairwiseLoss.loss(model.rewards(b.batch()), b.pairs(), config.margin()).mul(
                        (double) share.count() / batch.size());                              // ()
                mine = loss.item();
                loss.backward();
            }
            parallel.reduceGradients(Collective.Op.SUM);
            if (config.clipNorm() > 0) GradClip.clipGradNorm(optimizer.parameters().values(), config.clipNorm());
            optimizer.step();
        }
        return parallel.sum(mine);
    }

    /** One optimiser step on a batch and its pairs; returns the loss before the step. */
    public double step(TokenBatch batch, PairwiseLoss.Pairs pairs) {
        try (MemoryScope step = MemoryScope.open()) {
            optimizer.zeroGrad();
            Variable loss = PairwiseLoss.loss(model.rewards(batch), pairs, config.margin(), config.centring());   // ()
            float value = loss.item();
            loss.backward();
            if (config.clipNorm() > 0) GradClip.clipGradNorm(optimizer.parameters().values(), config.clipNorm());
            optimizer.step();
            return value;
        }
    }

    /** Pairwise accuracy (ties half) and mean pair loss of a model on groups: every pair counted once. */
    public record Evaluation(double accuracy, double loss, int pairs) {}

    public static Evaluation evaluate(RewardModel model, List<PreferenceGroup> groups, double margin) {
        List<int[]> rows = new ArrayList<>();
        for (PreferenceGroup g : groups) rows.addAll(List.of(encode(model, g)));
        float[] r = model.scoreIds(rows);
        int n = 0;
        for (PreferenceGroup g : groups) n += g.pairs().size();
        int[] w = new int[n], l = new int[n];
        float[] m = new float[n], weight = new float[n];
        int row = 0, i = 0;
        for (PreferenceGroup g : groups) {
            for (PreferenceGroup.IndexPair p : g.pairs()) {
                m[i] = (float) p.margin();
                weight[i] = 1f / n;
                w[i] = row + p.winner();
                l[i++] = row + p.loser();
            }
            row += g.completions().size();
        }
        return new Evaluation(PairwiseLoss.accuracy(r, w, l), PairwiseLoss.reference(r, new PairwiseLoss.Pairs(w, l, weight, m), margin), n);
    }
}
