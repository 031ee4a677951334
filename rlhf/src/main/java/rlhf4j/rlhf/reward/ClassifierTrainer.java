package rlhf4j.rlhf.reward;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import rlhf4j.autograd.Functional;
import rlhf4j.autograd.Variable;
import rlhf4j.autograd.optim.AdamW;
import rlhf4j.autograd.optim.GradClip;
import rlhf4j.rlhf.data.LabeledText;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;

/** Trains a {@link Classifier}'s trunk and head with mean cross-entropy of the N logits against the labels (AdamW). */
public final class ClassifierTrainer {

    public record Config(int epochs, int batchSize, double lr, double weightDecay, double clipNorm, long seed) {
        public Config {
            if (epochs < 1 || batchSize < 1) throw new IllegalArgumentException("epochs and batch size must be >= 1");
            if (!(lr > 0)) throw new IllegalArgumentException("learning rate " + lr + " must be > 0");
        }
    }

    /** Figures after one epoch (validation NaN when there is none). */
    public record Epoch(int epoch, double trainLoss, ClassificationMetrics validation, double seconds) {}

    public interface Listener {
        default void onStep(int epoch, int step, int steps, double loss) {}

        default void onEpoch(Epoch e) {}
    }

    private final Classifier model;
    private final Config config;
    private final AdamW optimizer;

    public ClassifierTrainer(Classifier model, Config config) {
        this.model = model;
        this.config = config;
        var params = model.scoring.module.namedParameters();
        this.optimizer = new AdamW(params, config.lr(), 0.9, 0.999, 1e-8, config.weightDecay())
                .decayOnly(name -> params.get(name).dim() >= 2);
    }

    public List<Epoch> train(List<LabeledText> data, List<LabeledText> validation, Listener listener) {
        if (data.isEmpty()) throw new IllegalArgumentException("no training examples");
        int n = model.classes.size();
        List<int[]> ids = new ArrayList<>(data.size());
        for (LabeledText t : data) {
            if (t.label() < 0 || t.label() >= n) throw new IllegalArgumentException("label " + t.label() + " outside the " + n + " classes");
            ids.add(model.scoring.encode(t.text()));
        }
        Random rng = new Random(config.seed());
        List<Epoch> history = new ArrayList<>();
        int steps = (data.size() + config.batchSize() - 1) / config.batchSize();
        for (int epoch = 1; epoch <= config.epochs(); epoch++) {
            long t0 = System.nanoTime();
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < data.size(); i++) order.add(i);
            java.util.Collections.shuffle(order, rng);
            double lossSum = 0;
            for (int s = 0; s < steps; s++) {
                List<int[]> rows = new ArrayList<>();
                List<Integer> labels = new ArrayList<>();
                for (int i = s * config.batchSize(); i < Math.min(data.size(), (s + 1) * config.batchSize()); i++) {
                    rows.add(ids.get(order.get(i)));
                    labels.add(data.get(order.get(i)).label());
                }
                double loss = step(TokenBatch.of(rows, TokenBatch.Side.RIGHT), labels.stream().mapToInt(Integer::intValue).toArray());
                lossSum += loss;
                if (listener != null) listener.onStep(epoch, s + 1, steps, loss);
            }
            ClassificationMetrics m = validation.isEmpty() ? null : evaluate(model, validation);
            Epoch e = new Epoch(epoch, lossSum / steps, m, (System.nanoTime() - t0) / 1e9);
            history.add(e);
            if (listener != null) listener.onEpoch(e);
        }
        return history;
    }

    /** One optimiser step; returns the batch's mean cross-entropy before it. */
    public double step(TokenBatch batch, int[] labels) {
        try (MemoryScope step = MemoryScope.open()) {
            optimizer.zeroGrad();
            Variable logits = model.scoring.scores(batch);                                     // (B, N)
            Tensor targets = Tensor.ofInts(labels, labels.length).to(logits.value().device());  // (B)
            Variable loss = Functional.crossEntropy(logits, targets, -1);                      // ()
            float value = loss.item();
            loss.backward();
            if (config.clipNorm() > 0) GradClip.clipGradNorm(optimizer.parameters().values(), config.clipNorm());
            optimizer.step();
            return value;
        }
    }

    public static ClassificationMetrics evaluate(Classifier model, List<LabeledText> data) {
        List<String> texts = new ArrayList<>(data.size());
        int[] truth = new int[data.size()];
        for (int i = 0; i < truth.length; i++) { texts.add(data.get(i).text()); truth[i] = data.get(i).label(); }
        return ClassificationMetrics.of(truth, model.predict(texts), model.classes.size());
    }
}
