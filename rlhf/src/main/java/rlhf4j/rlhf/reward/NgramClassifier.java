package rlhf4j.rlhf.reward;

import com.google.gson.Gson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import rlhf4j.rlhf.data.LabeledText;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.io.Safetensors;

/**
 * The bag-of-n-grams baseline a learned classifier should beat: lower-cased word 1–2-grams and character 2–5-grams
 * hashed into 2^bits buckets, and multinomial logistic regression on their counts (normalised to unit length),
 * trained with AdaGrad and L2. Plain Java, no tensors: it trains on 9,000 tweets in seconds. As a reward it gives
 * the logit of one class, like {@link Classifier}. Its files: {@link #WEIGHTS_FILE} in the model directory.
 */
public final class NgramClassifier implements TextClassifier {
    public static final String WEIGHTS_FILE = "ngrams.safetensors";

    private final int bits, classes;
    private final List<String> classNames;
    private final float[] weights;     // (classes, 2^bits) row-major
    private final float[] bias;        // (classes)
    private final int rewardClass;

    /** Classes named by their index ("0", "1", ...). */
    public NgramClassifier(int bits, int classes, int rewardClass) { this(bits, indexNames(classes), rewardClass); }

    public NgramClassifier(int bits, List<String> classNames, int rewardClass) {
        this(bits, classNames, new float[classNames.size() << checkBits(bits)], new float[classNames.size()], rewardClass);
    }

    private NgramClassifier(int bits, List<String> classNames, float[] weights, float[] bias, int rewardClass) {
        this.bits = bits;
        this.classes = classNames.size();
        this.classNames = List.copyOf(classNames);
        this.weights = weights;
        this.bias = bias;
        this.rewardClass = java.util.Objects.checkIndex(rewardClass, classes);
    }

    private static int checkBits(int bits) {
        if (bits < 4 || bits > 24) throw new IllegalArgumentException("hash bits " + bits + " must be in [4, 24]");
        return bits;
    }

    private static List<String> indexNames(int classes) {
        List<String> names = new ArrayList<>();
        for (int c = 0; c < classes; c++) names.add(Integer.toString(c));
        return names;
    }

    /** A text's features: bucket indices and their values, the count vector scaled to unit length. */
    record Features(int[] index, float[] value) {}

    Features features(String text) {
        String t = text.toLowerCase(Locale.ROOT);
        Map<Integer, Integer> counts = new java.util.HashMap<>();
        int mask = (1 << bits) - 1;
        String[] words = t.split("\\s+");
        for (int i = 0; i < words.length; i++) {
            counts.merge(hash("w:" + words[i]) & mask, 1, Integer::sum);
            if (i + 1 < words.length) counts.merge(hash("b:" + words[i] + " " + words[i + 1]) & mask, 1, Integer::sum);
        }
        String padded = " " + t + " ";
        for (int n = 2; n <= 5; n++)
            for (int i = 0; i + n <= padded.length(); i++) counts.merge(hash("c:" + padded.substring(i, i + n)) & mask, 1, Integer::sum);
        int[] index = new int[counts.size()];
        float[] value = new float[counts.size()];
        double norm = 0;
        int k = 0;
        for (var e : counts.entrySet()) { index[k] = e.getKey(); value[k] = e.getValue(); norm += (double) e.getValue() * e.getValue(); k++; }
        for (int i = 0; i < value.length; i++) value[i] /= (float) Math.sqrt(norm);
        return new Features(index, value);
    }

    /** FNV-1a of the string's chars: stable across runs and JVMs. */
    private static int hash(String s) {
        int h = 0x811c9dc5;
        for (int i = 0; i < s.length(); i++) { h ^= s.charAt(i); h *= 0x01000193; }
        return h;
    }

    private float[] logits(Features f) {
        float[] z = bias.clone();
        for (int c = 0; c < classes; c++) {
            int row = c << bits;
            for (int i = 0; i < f.index().length; i++) z[c] += weights[row + f.index()[i]] * f.value()[i];
        }
        return z;
    }

    public float[] logits(String text) { return logits(features(text)); }

    /** Called after each pass over the data (1-based). */
    @FunctionalInterface
    public interface EpochListener { void onEpoch(int epoch, int epochs); }

    /**
     * Trains for {@code epochs} passes in a seeded random order: softmax cross-entropy, AdaGrad steps
     * w −= lr·g/√(Σg²), with L2 penalty l2·w on the weights each example touches.
     */
    public void train(List<LabeledText> data, int epochs, double lr, double l2, long seed) { train(data, epochs, lr, l2, seed, null); }

    /** {@link #train(List, int, double, double, long)}, telling {@code listener} (may be null) after each pass. */
    public void train(List<LabeledText> data, int epochs, double lr, double l2, long seed, EpochListener listener) {
        List<Features> feats = new ArrayList<>(data.size());
        for (LabeledText t : data) feats.add(features(t.text()));
        float[] gw = new float[weights.length], gb = new float[classes];       // AdaGrad accumulators
        Random rng = new Random(seed);
        int[] order = new int[data.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        for (int e = 0; e < epochs; e++) {
            for (int i = order.length - 1; i > 0; i--) { int j = rng.nextInt(i + 1), t = order[i]; order[i] = order[j]; order[j] = t; }
            for (int n : order) {
                Features f = feats.get(n);
                float[] p = softmax(logits(f));
                for (int c = 0; c < classes; c++) {
                    float d = p[c] - (data.get(n).label() == c ? 1 : 0);          // ∂CE/∂z_c = p_c − [c = y]
                    gb[c] += d * d;
                    bias[c] -= (float) (lr * d / Math.sqrt(gb[c] + 1e-8));
                    int row = c << bits;
                    for (int i = 0; i < f.index().length; i++) {
                        int w = row + f.index()[i];
                        float g = d * f.value()[i] + (float) l2 * weights[w];
                        gw[w] += g * g;
                        weights[w] -= (float) (lr * g / Math.sqrt(gw[w] + 1e-8));
                    }
                }
            }
            if (listener != null) listener.onEpoch(e + 1, epochs);
        }
    }

    static float[] softmax(float[] z) {
        float max = Float.NEGATIVE_INFINITY;
        for (float x : z) max = Math.max(max, x);
        float[] p = new float[z.length];
        double sum = 0;
        for (int c = 0; c < z.length; c++) sum += p[c] = (float) Math.exp(z[c] - max);
        for (int c = 0; c < z.length; c++) p[c] /= (float) sum;
        return p;
    }

    @Override public int rewardClass() { return rewardClass; }

    @Override public List<String> classes() { return classNames; }

    /** The same weights rewarding another class (by name). */
    @Override public NgramClassifier rewarding(String className) {
        return new NgramClassifier(bits, classNames, weights, bias, TextClassifier.indexOf(this, className));
    }

    /** P(c | text) = softmax(z)_c, in double precision. */
    @Override public double probability(String text, int c) {
        float[] z = logits(text);
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float x : z) max = Math.max(max, x);
        for (float x : z) sum += Math.exp(x - max);
        return Math.exp(z[c] - max) / sum;
    }

    public int predict(String text) {
        float[] z = logits(text);
        int best = 0;
        for (int c = 1; c < z.length; c++) if (z[c] > z[best]) best = c;
        return best;
    }

    @Override public ClassificationMetrics evaluate(List<LabeledText> data) {
        int[] truth = new int[data.size()], pred = new int[data.size()];
        for (int i = 0; i < truth.length; i++) { truth[i] = data.get(i).label(); pred[i] = predict(data.get(i).text()); }
        return ClassificationMetrics.of(truth, pred, classes);
    }

    @Override public float[] score(List<Sample> batch) {
        float[] r = new float[batch.size()];
        for (int i = 0; i < r.length; i++) r[i] = logits(batch.get(i).completion())[rewardClass];
        return r;
    }

    @Override public double score(String text) { return logits(text)[rewardClass]; }

    @Override public String name() { return "ngrams"; }

    public void save(Path file) throws IOException {
        try (MemoryScope s = MemoryScope.open()) {
            Safetensors.write(file, Map.of("weight", Tensor.of(weights, classes, 1 << bits), "bias", Tensor.of(bias, classes)),
                    Map.of("reward_class", Integer.toString(rewardClass), "classes", new Gson().toJson(classNames)));
        }
    }

    public static NgramClassifier load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "no such n-gram model");
        try (MemoryScope s = MemoryScope.open()) {
            var contents = Safetensors.read(file);
            Tensor w = contents.tensors().get("weight"), b = contents.tensors().get("bias");
            if (w == null || b == null) throw new IOException(file + ": needs tensors weight and bias");
            int bits = Integer.numberOfTrailingZeros(w.size(1));
            Map<String, String> meta = contents.metadata() == null ? Map.of() : contents.metadata();
            String reward = meta.get("reward_class"), names = meta.get("classes");
            List<String> classNames = names == null ? indexNames(w.size(0)) : List.of(new Gson().fromJson(names, String[].class));
            if (classNames.size() != w.size(0)) throw new IOException(file + ": " + classNames.size() + " class names for " + w.size(0) + " classes");
            NgramClassifier m = new NgramClassifier(bits, classNames, reward == null ? 0 : Integer.parseInt(reward));
            System.arraycopy(w.toFloatArray(), 0, m.weights, 0, m.weights.length);
            System.arraycopy(b.toFloatArray(), 0, m.bias, 0, m.bias.length);
            return m;
        }
    }
}
