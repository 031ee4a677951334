package rlhf4j.rlhf.dpo;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Every setting of a DPO run. Start from {@link #defaults()} and change what differs, e.g.
 * {@code DpoConfig.defaults().withBeta(0.3).withEpochs(2)}.
 *
 * @param loss          which loss, β and label smoothing
 * @param optimisation  the AdamW steps
 * @param checkpointing when checkpoints are written and how many are kept
 * @param seed          the run's seed (the order of the groups in each epoch)
 */
public record DpoConfig(Loss loss, Optimisation optimisation, Checkpointing checkpointing, long seed) {
    public DpoConfig {
        if (loss == null || optimisation == null || checkpointing == null)
            throw new IllegalArgumentException("every group of the DPO config must be given");
    }

    /** β 0.1, sigmoid loss, no smoothing; 1 epoch of 8 groups a step at lr 1e−5 (no decay, clip 1); a checkpoint every 50 steps, 2 kept; seed 1. */
    public static DpoConfig defaults() {
        return new DpoConfig(new Loss(LossType.SIGMOID, 0.1, 0.0), new Optimisation(1, 8, 1e-5, 0.0, 1.0), new Checkpointing(50, 2), 1);
    }

    /** The loss of {@link DpoLoss}: the logistic (sigmoid) loss of DPO, or IPO's squared one. */
    public enum LossType {
        SIGMOID, IPO;

        /** "sigmoid" or "ipo"; else an error naming the choices. */
        public static LossType parse(String s) {
            return switch (s.strip().toLowerCase(Locale.ROOT)) {
                case "sigmoid", "dpo" -> SIGMOID;
                case "ipo" -> IPO;
                default -> throw new IllegalArgumentException("loss type '" + s + "': expected sigmoid or ipo");
            };
        }
    }

    /**
     * @param type           sigmoid (DPO, cDPO with smoothing) or IPO
     * @param beta           β > 0: the KL budget (small β lets the policy move further from the reference)
     * @param labelSmoothing ε in [0, ½): the assumed share of flipped labels (cDPO); sigmoid loss only
     */
    public record Loss(LossType type, double beta, double labelSmoothing) {
        public Loss {
            if (type == null) throw new IllegalArgumentException("a loss type must be given");
            if (!(beta > 0) || !Double.isFinite(beta)) throw new IllegalArgumentException("beta " + beta + " must be > 0");
            if (!(labelSmoothing >= 0 && labelSmoothing < 0.5))
                throw new IllegalArgumentException("label smoothing " + labelSmoothing + " must be in [0, 0.5)");
            if (type == LossType.IPO && labelSmoothing != 0) throw new IllegalArgumentException("label smoothing applies to the sigmoid loss only, not IPO");
        }
    }

    /**
     * @param epochs         passes over the training groups
     * @param groupsPerBatch preference groups per AdamW step (each completion of a group forwarded once)
     * @param lr             AdamW learning rate (constant)
     * @param weightDecay    AdamW decoupled decay
     * @param maxGradNorm    global gradient-norm clip, 0 = off
     */
    public record Optimisation(int epochs, int groupsPerBatch, double lr, double weightDecay, double maxGradNorm) {
        public Optimisation {
            if (epochs < 1) throw new IllegalArgumentException("epochs " + epochs + " must be >= 1");
            if (groupsPerBatch < 1) throw new IllegalArgumentException("groups per batch " + groupsPerBatch + " must be >= 1");
            if (!(lr > 0)) throw new IllegalArgumentException("learning rate " + lr + " must be > 0");
            if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight decay " + weightDecay + " must be >= 0");
            if (!(maxGradNorm >= 0)) throw new IllegalArgumentException("max grad norm " + maxGradNorm + " must be >= 0");
        }
    }

    /** @param every a checkpoint every this many steps (0: only at the end); @param keep rotating checkpoints kept */
    public record Checkpointing(int every, int keep) {
        public Checkpointing {
            if (every < 0) throw new IllegalArgumentException("checkpoint every " + every + " must be >= 0");
            if (keep < 1) throw new IllegalArgumentException("keep " + keep + " checkpoints must be >= 1");
        }
    }

    public DpoConfig withLoss(Loss l) { return new DpoConfig(l, optimisation, checkpointing, seed); }

    public DpoConfig withOptimisation(Optimisation o) { return new DpoConfig(loss, o, checkpointing, seed); }

    public DpoConfig withCheckpointing(Checkpointing c) { return new DpoConfig(loss, optimisation, c, seed); }

    public DpoConfig withSeed(long s) { return new DpoConfig(loss, optimisation, checkpointing, s); }

    public DpoConfig withBeta(double beta) { return withLoss(new Loss(loss.type(), beta, loss.labelSmoothing())); }

    public DpoConfig withEpochs(int epochs) {
        Optimisation o = optimisation;
        return withOptimisation(new Optimisation(epochs, o.groupsPerBatch(), o.lr(), o.weightDecay(), o.maxGradNorm()));
    }

    public DpoConfig withLearningRate(double lr) {
        Optimisation o = optimisation;
        return withOptimisation(new Optimisation(o.epochs(), o.groupsPerBatch(), lr, o.weightDecay(), o.maxGradNorm()));
    }

    /** Every setting as "group.name" → value, for config.json and reports. */
    public Map<String, Object> settings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("loss.type", loss.type().name().toLowerCase(Locale.ROOT));
        m.put("loss.beta", loss.beta());
        m.put("loss.label_smoothing", loss.labelSmoothing());
        m.put("optimisation.epochs", optimisation.epochs());
        m.put("optimisation.groups_per_batch", optimisation.groupsPerBatch());
        m.put("optimisation.lr", optimisation.lr());
        m.put("optimisation.weight_decay", optimisation.weightDecay());
        m.put("optimisation.max_grad_norm", optimisation.maxGradNorm());
        m.put("checkpointing.every", checkpointing.every());
        m.put("checkpointing.keep", checkpointing.keep());
        m.put("seed", seed);
        return m;
    }
}
