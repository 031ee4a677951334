package rlhf4j.rlhf.reward;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import rlhf4j.rlhf.data.LabeledText;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.tokenizer.Tokenizer;

/**
 * A text classifier used as a reward: N logits at the last real token of the text, trained with cross-entropy on
 * labelled text ({@link ClassifierTrainer}). As a reward it gives the logit of the class to optimise for (say
 * "not hate"): unbounded, unlike a probability, so PPO still sees differences between already-good samples.
 * {@link #probabilities} gives the softmax when a probability is wanted.
 */
public final class Classifier implements TextClassifier {
    public static final String KIND = "classifier";

    public final ScoringModel scoring;
    public final List<String> classes;
    private final int rewardClass;
    private final boolean withPrompt;
    private int batchSize = 32;

    /**
     * @param rewardClass the class whose logit is the reward
     * @param withPrompt  score prompt + completion (true) or the completion alone (false)
     */
    public Classifier(ScoringModel scoring, List<String> classes, int rewardClass, boolean withPrompt) {
        if (classes.size() != scoring.head.numOutputs)
            throw new IllegalArgumentException(classes.size() + " class names for a head of " + scoring.head.numOutputs + " outputs");
        java.util.Objects.checkIndex(rewardClass, classes.size());
        this.scoring = scoring;
        this.classes = List.copyOf(classes);
        this.rewardClass = rewardClass;
        this.withPrompt = withPrompt;
    }

    public static Classifier create(TransformerModel trunk, Tokenizer tokenizer, List<String> classes, int rewardClass,
                                    int maxLength, long seed) {
        return new Classifier(ScoringModel.withNewHead(trunk, tokenizer, classes.size(), maxLength, seed), classes, rewardClass, false);
    }

    @Override public int rewardClass() { return rewardClass; }

    @Override public List<String> classes() { return classes; }

    /** The same model rewarding another class (by name), scoring what it scored before. */
    @Override public Classifier rewarding(String className) { return rewarding(className, withPrompt); }

    @Override public double probability(String text, int c) { return probabilities(List.of(text))[0][c]; }

    @Override public ClassificationMetrics evaluate(List<LabeledText> data) { return ClassifierTrainer.evaluate(this, data); }

    /** The same model rewarding another class (by name), or scoring prompt + completion. */
    public Classifier rewarding(String className, boolean withPrompt) {
        return new Classifier(scoring, classes, TextClassifier.indexOf(this, className), withPrompt);
    }

    /** Logits (rows of N) of texts. */
    public float[][] logits(List<String> texts) { return scoring.scoreTexts(texts, batchSize); }

    /** Softmax probabilities (rows of N) of texts. */
    public float[][] probabilities(List<String> texts) {
        float[][] z = logits(texts);
        for (float[] row : z) {
            float max = Float.NEGATIVE_INFINITY;
            for (float x : row) max = Math.max(max, x);
            double sum = 0;
            for (int c = 0; c < row.length; c++) sum += row[c] = (float) Math.exp(row[c] - max);
            for (int c = 0; c < row.length; c++) row[c] /= (float) sum;
        }
        return z;
    }

    /** The most likely class of each text. */
    public int[] predict(List<String> texts) { return ClassificationMetrics.argmax(logits(texts)); }

    @Override public float[] score(List<Sample> batch) {
        List<String> texts = new ArrayList<>(batch.size());
        for (Sample s : batch) texts.add(withPrompt ? s.fullText() : s.completion());
        float[][] z = logits(texts);
        float[] r = new float[z.length];
        for (int i = 0; i < r.length; i++) r[i] = z[i][rewardClass];
        return r;
    }

    @Override public double score(String text) { return logits(List.of(text))[0][rewardClass]; }

    @Override public String name() { return "classifier:" + classes.get(rewardClass); }

    public void save(Path dir, JsonObject extra) throws IOException {
        JsonObject c = extra == null ? new JsonObject() : extra.deepCopy();
        c.addProperty("kind", KIND);
        JsonArray names = new JsonArray();
        classes.forEach(names::add);
        c.add("classes", names);
        c.addProperty("reward_class", classes.get(rewardClass));
        scoring.save(dir, c);
    }

    public static Classifier load(Path dir, Device device) throws IOException {
        ScoringModel.Loaded l = ScoringModel.load(dir, device);
        JsonObject c = l.config();
        String kind = c.has("kind") ? c.get("kind").getAsString() : "?";
        if (!KIND.equals(kind)) throw new IOException(dir.resolve(ScoringModel.CONFIG_FILE) + ": a " + kind + " model, not a classifier");
        List<String> classes = new ArrayList<>();
        c.getAsJsonArray("classes").forEach(e -> classes.add(e.getAsString()));
        int reward = classes.indexOf(c.get("reward_class").getAsString());
        if (reward < 0) throw new IOException(dir.resolve(ScoringModel.CONFIG_FILE) + ": reward_class is not among the classes");
        return new Classifier(l.model(), classes, reward, false);
    }
}
