package rlhf4j.rlhf.reward;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import rlhf4j.autograd.Variable;
import rlhf4j.rlhf.oracle.TextScorer;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.Tensor;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.tokenizer.Tokenizer;

/**
 * A pairwise (Bradley–Terry) reward model: a language-model trunk, usually the SFT policy itself, with a scalar
 * head read at the last real token of prompt + completion. Trained by {@link RewardTrainer}; its scores are only
 * defined up to a constant, so after training a bias makes a reference set of completions score mean 0
 * ({@link #normalize}), which keeps PPO's rewards centred.
 *
 * <p>Optionally the model also carries a standardisation measured on its own training completions
 * ({@link #standardize}): μ and σ of their rewards, saved in {@code model.json} as {@code reward_normalization} and
 * applied by {@link #score(List)} and {@link #score(String)} as (r − μ)/σ, so every consumer ({@code rm:DIR}, PPO,
 * {@code reward score}) sees rewards of unit spread without a hand-set mean and std. {@link #scoreIds} stays raw.
 * Directories without it load and score as before.
 */
public final class RewardModel implements RewardFunction, TextScorer {
    public static final String KIND = "reward";
    /** The model.json entry of the {@link Standardization}. */
    public static final String STANDARDIZATION_KEY = "reward_normalization";

    public final ScoringModel scoring;
    private Normalization normalization;
    private int batchSize = 16;

    /** The shift folded into the head's bias, and the spread of the reference rewards after it. */
    public record Normalization(double mean, double std, int count) {}

    /** r ↦ (r − mean)/std, measured on {@code count} training completions. */
    public record Standardization(double mean, double std, int count) {
        public Standardization {
            if (!(std > 0) || !Double.isFinite(std) || !Double.isFinite(mean))
                throw new IllegalArgumentException("reward normalisation needs a finite mean and a std > 0, got mean " + mean + ", std " + std);
        }

        public float apply(float r) { return (float) ((r - mean) / std); }
    }

    private Standardization standardization;

    public RewardModel(ScoringModel scoring) {
        if (scoring.head.numOutputs != 1)
            throw new IllegalArgumentException("a reward model has one output, this head has " + scoring.head.numOutputs);
        this.scoring = scoring;
    }

    /** A new scalar head (std 1/√(C+1)) on a trunk. */
    public static RewardModel create(TransformerModel trunk, Tokenizer tokenizer, int maxLength, long seed) {
        return new RewardModel(ScoringModel.withNewHead(trunk, tokenizer, 1, maxLength, seed));
    }

    /** Rewards (B) of a padded batch, with gradients when enabled. */
    public Variable rewards(TokenBatch batch) { return scoring.scores(batch).squeeze(-1); }

    /** The ids scored for a sample: its own token ids when it has them, else the tokenized prompt + completion. */
    public int[] idsOf(Sample s) {
        if (s.promptIds() != null && s.completionIds() != null && s.promptIds().length + s.completionIds().length > 0) {
            int[] ids = new int[s.promptIds().length + s.completionIds().length];
            System.arraycopy(s.promptIds(), 0, ids, 0, s.promptIds().length);
            System.arraycopy(s.completionIds(), 0, ids, s.promptIds().length, s.completionIds().length);
            return TokenBatch.keepLast(ids, scoring.maxLength);
        }
        return scoring.encode(s.fullText());
    }

    /** Rewards of token sequences, without gradients. */
    public float[] scoreIds(List<int[]> sequences) {
        float[][] s = scoring.scoreIds(sequences, batchSize);
        float[] r = new float[s.length];
        for (int i = 0; i < r.length; i++) r[i] = s[i][0];
        return r;
    }

    /** Rewards of samples, standardised when the model carries a {@link Standardization}. */
    @Override public float[] score(List<Sample> batch) {
        List<int[]> ids = new ArrayList<>(batch.size());
        for (Sample s : batch) ids.add(idsOf(s));
        float[] r = scoreIds(ids);
        if (standardization != null) for (int i = 0; i < r.length; i++) r[i] = standardization.apply(r[i]);
        return r;
    }

    /** The reward of one whole text (prompt + completion already joined), standardised like {@link #score(List)}. */
    @Override public double score(String text) {
        float r = scoreIds(List.of(scoring.encode(text)))[0];
        return standardization == null ? r : standardization.apply(r);
    }

    /**
     * Measures μ and σ (population) of the raw rewards of these sequences, the model's own training completions, and
     * from now on applies (r − μ)/σ in {@link #score(List)}; saved with the model.
     */
    public Standardization standardize(List<int[]> trainingSequences) {
        if (trainingSequences.isEmpty()) throw new IllegalArgumentException("no training sequences to measure the rewards on");
        float[] r = scoreIds(trainingSequences);
        double mean = 0, sq = 0;
        for (float x : r) mean += x;
        mean /= r.length;
        for (float x : r) sq += (x - mean) * (x - mean);
        standardization = new Standardization(mean, Math.sqrt(sq / r.length), r.length);
        return standardization;
    }

    /** The standardisation applied to scores, or null (raw rewards). */
    public Standardization standardization() { return standardization; }

    @Override public String name() { return "reward-model"; }

    /** Rows per forward pass when scoring (default 16). */
    public RewardModel batchSize(int rows) {
        if (rows < 1) throw new IllegalArgumentException("batch size " + rows + " must be >= 1");
        this.batchSize = rows;
        return this;
    }

    /**
     * Shifts the head's bias so these reference sequences (the reference policy's completions, or the training
     * completions) score mean 0; returns the mean removed and their standard deviation.
     */
    public Normalization normalize(List<int[]> reference) {
        if (reference.isEmpty()) throw new IllegalArgumentException("no reference sequences to normalise on");
        float[] r = scoreIds(reference);
        double mean = 0, sq = 0;
        for (float x : r) mean += x;
        mean /= r.length;
        for (float x : r) sq += (x - mean) * (x - mean);
        double std = Math.sqrt(sq / r.length);
        Tensor bias = scoring.head.score.bias.value();                             // (1)
        bias.copyFrom(Tensor.of((float) (bias.toFloatArray()[0] - mean)).to(bias.device()));
        normalization = new Normalization(mean, std, r.length);
        return normalization;
    }

    /** The last normalisation (null before {@link #normalize}). */
    public Normalization normalization() { return normalization; }

    /** Saves the model directory; {@code extra} (training settings, figures) goes into model.json. */
    public void save(Path dir, JsonObject extra) throws IOException {
        JsonObject c = extra == null ? new JsonObject() : extra.deepCopy();
        c.addProperty("kind", KIND);
        if (normalization != null) {
            JsonObject n = new JsonObject();
            n.addProperty("mean_removed", normalization.mean());
            n.addProperty("std", normalization.std());
            n.addProperty("count", normalization.count());
            c.add("normalization", n);
        }
        if (standardization != null) {
            JsonObject n = new JsonObject();
            n.addProperty("mean", standardization.mean());
            n.addProperty("std", standardization.std());
            n.addProperty("count", standardization.count());
            n.addProperty("source", "training completions");
            c.add(STANDARDIZATION_KEY, n);
        }
        scoring.save(dir, c);
    }

    public static RewardModel load(Path dir, Device device) throws IOException {
        ScoringModel.Loaded l = ScoringModel.load(dir, device);
        String kind = l.config().has("kind") ? l.config().get("kind").getAsString() : "?";
        if (!KIND.equals(kind)) throw new IOException(dir.resolve(ScoringModel.CONFIG_FILE) + ": a " + kind
                + " model, not a reward model");
        RewardModel m = new RewardModel(l.model());
        if (l.config().has("normalization")) {
            JsonObject n = l.config().getAsJsonObject("normalization");
            m.normalization = new Normalization(n.get("mean_removed").getAsDouble(), n.get("std").getAsDouble(),
                    n.get("count").getAsInt());
        }
        if (l.config().has(STANDARDIZATION_KEY)) {
            try {
                JsonObject n = l.config().getAsJsonObject(STANDARDIZATION_KEY);
                m.standardization = new Standardization(n.get("mean").getAsDouble(), n.get("std").getAsDouble(), n.get("count").getAsInt());
            } catch (RuntimeException e) {
                throw new IOException(dir.resolve(ScoringModel.CONFIG_FILE) + ": " + STANDARDIZATION_KEY + " needs a number mean, std > 0 and count: "
                        + e.getMessage(), e);
            }
        }
        return m;
    }
}
