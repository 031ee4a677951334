package rlhf4j.rlhf.stage;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import rlhf4j.rlhf.data.LabeledDataSet;
import rlhf4j.rlhf.data.LabeledText;
import rlhf4j.rlhf.reward.ClassificationMetrics;
import rlhf4j.rlhf.reward.Classifier;
import rlhf4j.rlhf.reward.ClassifierTrainer;
import rlhf4j.rlhf.reward.NgramClassifier;
import rlhf4j.transformer.train.ProgressBar;

/**
 * A text classifier whose class logit is a reward ({@code classifier:OUT:CLASS}): N logits at the last token of a
 * trunk trained with cross-entropy ({@link Kind#TRUNK}), or the bag-of-n-grams logistic regression ({@link Kind#NGRAM},
 * seconds to train, no tensors). Writes the model into OUT and {@code metrics.json} (examples, validation accuracy
 * and macro-F1).
 */
public final class ClassifierStage {
    public static final String METRICS_FILE = "metrics.json";
    /** log2 of the n-gram classifier's hash buckets. */
    public static final int NGRAM_BITS = 20;

    private final Config cfg;
    private final StageContext ctx;

    public ClassifierStage(Config cfg, StageContext ctx) {
        this.cfg = cfg;
        this.ctx = ctx;
    }

    public enum Kind { TRUNK, NGRAM }

    /**
     * @param rewardClass the class whose logit is the reward (null: the data set's, e.g. not-hate)
     * @param trunk       where a {@link Kind#TRUNK} classifier's trunk comes from (unused for n-grams)
     */
    public record Config(Kind kind, Data data, String rewardClass, TrunkSource trunk, Training training, long seed) {
        /** A trunk classifier on TweetEval hate: 3 epochs of 32, lr 3e-4, weight decay 0.01, 128 tokens, seed 1. */
        public static Config defaults(TrunkSource trunk) {
            return new Config(Kind.TRUNK, Data.of("tweeteval-hate"), null, trunk, new Training(3, 32, 3e-4, 0.01, 128), 1);
        }

        /** The n-gram classifier on TweetEval hate: 3 AdaGrad epochs, lr 0.1, L2 1e-4, seed 1 (val accuracy 0.733, macro-F1 0.728). */
        public static Config ngramDefaults() {
            return new Config(Kind.NGRAM, Data.of("tweeteval-hate"), null, null, new Training(3, 32, 0.1, 1e-4, 128), 1);
        }

        public Config withData(Data d) { return new Config(kind, d, rewardClass, trunk, training, seed); }

        public Config withRewardClass(String c) { return new Config(kind, data, c, trunk, training, seed); }

        public Config withTraining(Training t) { return new Config(kind, data, rewardClass, trunk, t, seed); }

        public Config withSeed(long s) { return new Config(kind, data, rewardClass, trunk, training, s); }
    }

    /**
     * @param name     a {@link LabeledDataSet} name or TSV file
     * @param valFile  validation TSV for a file data set (null: every 10th line held out)
     * @param maxTrain training examples used at most, a seeded random subset (0 = all, in file order)
     * @param maxVal   validation examples used at most, the first ones (0 = all)
     */
    public record Data(String name, Path valFile, int maxTrain, int maxVal) {
        public static Data of(String name) { return new Data(name, null, 0, 0); }
    }

    /**
     * @param batchSize   texts per step (trunk only)
     * @param lr          AdamW (trunk) or AdaGrad (n-gram) learning rate
     * @param weightDecay AdamW decay of the matrices, or the n-gram L2 penalty
     * @param maxLength   tokens per text, the last kept (trunk only)
     */
    public record Training(int epochs, int batchSize, double lr, double weightDecay, int maxLength) {}

    /** What the stage wrote and its validation figures. */
    public record Result(Path modelDir, int trainingExamples, int valExamples, ClassificationMetrics validation) {}

    public Result run(Path out) throws IOException {
        LabeledDataSet d = LabeledDataSet.load(cfg.data().name(), cfg.data().valFile());
        String rewardClass = cfg.rewardClass() != null ? cfg.rewardClass() : d.rewardClass();
        int reward = d.classes().indexOf(rewardClass);
        if (reward < 0) throw new IllegalArgumentException("no class '" + rewardClass + "'; the classes are " + d.classes());
        List<LabeledText> train = subset(d.train(), cfg.data().maxTrain(), cfg.seed());
        List<LabeledText> val = cfg.data().maxVal() > 0 ? d.val().subList(0, Math.min(d.val().size(), cfg.data().maxVal())) : d.val();
        Outputs.prepare(out, ctx.output(), ctx.err());
        Files.createDirectories(out);
        Result r = cfg.kind() == Kind.NGRAM ? ngram(d.classes(), reward, train, val, out) : trunk(d.classes(), reward, train, val, out);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("training_examples", train.size());
        m.put("val_examples", val.size());
        m.put("val_accuracy", r.validation() == null ? null : r.validation().accuracy());
        m.put("val_macro_f1", r.validation() == null ? null : r.validation().macroF1());
        StageFiles.writeJson(out.resolve(METRICS_FILE), m);
        ctx.err().printf(Locale.ROOT, "classifier: validation %s on %d texts of %s; saved %s%n", r.validation(), val.size(), cfg.data().name(), out);
        return r;
    }

    /** All examples in order, or a seeded random subset of {@code max}. */
    private static List<LabeledText> subset(List<LabeledText> all, int max, long seed) {
        if (max <= 0) return all;
        List<LabeledText> shuffled = new ArrayList<>(all);
        Collections.shuffle(shuffled, new Random(seed));
        return shuffled.subList(0, Math.min(max, shuffled.size()));
    }

    private Result ngram(List<String> classes, int reward, List<LabeledText> train, List<LabeledText> val, Path out) throws IOException {
        Training t = cfg.training();
        NgramClassifier model = new NgramClassifier(NGRAM_BITS, classes, reward);
        ProgressBar bar = ProgressBar.on(ctx.err(), "ngrams", t.epochs());
        model.train(train, t.epochs(), t.lr(), t.weightDecay(), cfg.seed(), (epoch, epochs) -> bar.update(epoch, ""));
        model.save(out.resolve(NgramClassifier.WEIGHTS_FILE));
        return new Result(out, train.size(), val.size(), model.evaluate(val));
    }

    private Result trunk(List<String> classes, int reward, List<LabeledText> train, List<LabeledText> val, Path out) throws IOException {
        if (cfg.trunk() == null) throw new IllegalArgumentException("a trunk classifier needs a trunk: a checkpoint or a scratch GPT-2");
        Training t = cfg.training();
        TrunkSource.Trunk trunk = cfg.trunk().build(train.stream().map(LabeledText::text).toList(), cfg.seed(), ctx);
        Classifier model = Classifier.create(trunk.model(), trunk.tokenizer(), classes, reward, t.maxLength(), cfg.seed());
        int steps = (train.size() + t.batchSize() - 1) / t.batchSize();
        ProgressBar bar = ProgressBar.on(ctx.err(), "clf", steps * t.epochs());
        var trainer = new ClassifierTrainer(model, new ClassifierTrainer.Config(t.epochs(), t.batchSize(), t.lr(), t.weightDecay(), 1.0, cfg.seed()));
        List<ClassifierTrainer.Epoch> history = trainer.train(train, val, new ClassifierTrainer.Listener() {
            @Override public void onStep(int epoch, int step, int stepsPerEpoch, double loss) {
                bar.update((epoch - 1) * stepsPerEpoch + step, String.format(Locale.ROOT, "epoch %d loss %.3f", epoch, loss));
            }

            @Override public void onEpoch(ClassifierTrainer.Epoch e) {
                ctx.err().printf(Locale.ROOT, "  epoch %d: train loss %.4f, validation %s, %.1f s%n", e.epoch(), e.trainLoss(), e.validation(), e.seconds());
            }
        });
        model.save(out, modelInfo(cfg.data().name(), trunk.description(), history));
        return new Result(out, train.size(), val.size(), history.getLast().validation());
    }

    private static JsonObject modelInfo(String data, String trunk, List<ClassifierTrainer.Epoch> history) {
        JsonObject o = new JsonObject();
        o.addProperty("data", data);
        o.addProperty("trunk", trunk);
        JsonArray h = new JsonArray();
        for (var e : history) {
            JsonObject row = new JsonObject();
            row.addProperty("epoch", e.epoch());
            row.addProperty("train_loss", e.trainLoss());
            if (e.validation() != null) {
                row.addProperty("val_accuracy", e.validation().accuracy());
                row.addProperty("val_macro_f1", e.validation().macroF1());
            }
            h.add(row);
        }
        o.add("history", h);
        return o;
    }
}
