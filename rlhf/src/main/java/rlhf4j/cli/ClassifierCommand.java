package rlhf4j.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.data.DavidsonHate;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.data.LabeledText;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.data.Sentiment;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.data.TweetEvalHate;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.reward.ClassificationMetrics;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.reward.Classifier;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.reward.ClassifierTrainer;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.reward.NgramClassifier;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.tensor.Backends;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.tensor.Device;

/** {@code classifier train} and {@code classifier score}: a classification head on a trunk, used as a reward. */
@Command(name = "classifier", mixinStandardHelpOptions = true,
        description = "Train a text classifier (N logits at the last token) whose class logit is a reward, or score with one.",
        subcommands = {ClassifierCommand.Train.class, ClassifierCommand.Score.class})
public final class ClassifierCommand implements Callable<Integer> {
    @Override public Integer call() {
        picocli.CommandLine.usage(this, System.out);
        return 0;
    }

    /** A labelled data set: training and validation splits, class names and the class a reward optimises for. */
    record DataSet(List<LabeledText> train, List<LabeledText> val, List<String> classes, String rewardClass) {}

    /**
     * tweeteval-hate (train / val), davidson (every 10th row held out), sst2 (train / dev), or a TSV file of
     * {@code label<TAB>text} lines (integer labels; every 10th line held out unless a validation file is given).
     */
    static DataSet dataSet(String name, Path valFile) throws IOException {
        return switch (name) {
            case "tweeteval-hate" -> new DataSet(TweetEvalHate.train(), TweetEvalHate.val(), List.of("not-hate", "hate"), "not-hate");
            case "sst2" -> new DataSet(Sentiment.sst2Train(), Sentiment.sst2Dev(), List.of("negative", "positive"), "positive");
            case "davidson" -> split(DavidsonHate.labeled(DavidsonHate.load()), List.of("hate", "offensive", "neither"), "neither");
            default -> {
                List<LabeledText> all = readTsv(Path.of(name));
                int classes = 0;
                for (LabeledText t : all) classes = Math.max(classes, t.label() + 1);
                List<String> names = new ArrayList<>();
                for (int c = 0; c < classes; c++) names.add(Integer.toString(c));
                DataSet d = valFile != null ? new DataSet(all, readTsv(valFile), names, names.getFirst()) : split(all, names, names.getFirst());
                yield d;
            }
        };
    }

    private static DataSet split(List<LabeledText> all, List<String> classes, String reward) {
        List<LabeledText> train = new ArrayList<>(), val = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) (i % 10 == 9 ? val : train).add(all.get(i));
        return new DataSet(train, val, classes, reward);
    }

    /** Lines {@code label<TAB>text}; errors name the file and line. */
    static List<LabeledText> readTsv(Path file) throws IOException {
        if (!Files.isRegularFile(file))
            throw new NoSuchFileException(file.toString(), null, "no such data file (expected tweeteval-hate, davidson, sst2 or a TSV of label<TAB>text)");
        List<LabeledText> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) continue;
            int tab = line.indexOf('\t');
            try {
                if (tab < 0) throw new NumberFormatException("no tab");
                out.add(new LabeledText(line.substring(tab + 1), Integer.parseInt(line.substring(0, tab).strip())));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": expected label<TAB>text with an integer label >= 0");
            }
        }
        if (out.isEmpty()) throw new IllegalArgumentException(file + ": no labelled lines");
        return out;
    }

    @Command(name = "train", mixinStandardHelpOptions = true, description = "Train a classifier with cross-entropy and save it.")
    static final class Train implements Callable<Integer> {
        @Option(names = "--data", required = true, description = "tweeteval-hate, davidson, sst2 or a TSV file of label<TAB>text")
        String data;

        @Option(names = "--val", description = "validation TSV for a --data file (default: every 10th line held out)")
        Path val;

        @Option(names = "--out", required = true, description = "directory to write the classifier to")
        Path out;

        @Mixin TrunkOptions trunk = new TrunkOptions();

        @Option(names = "--ngrams", description = "instead of a transformer: the bag-of-n-grams logistic-regression baseline "
                + "(--epochs, --lr (AdaGrad; 0.2 suits it), --weight-decay as L2)")
        boolean ngrams;

        @Option(names = "--epochs", defaultValue = "3") int epochs;
        @Option(names = "--batch-size", defaultValue = "32") int batchSize;
        @Option(names = "--lr", defaultValue = "3e-4") double lr;
        @Option(names = "--weight-decay", defaultValue = "0.01") double weightDecay;
        @Option(names = "--max-length", defaultValue = "128", description = "tokens per text, the last kept (default: ${DEFAULT-VALUE})")
        int maxLength;
        @Option(names = "--reward-class", description = "class whose logit is the reward (default: the data set's, e.g. not-hate)")
        String rewardClass;
        @Option(names = "--seed", defaultValue = "1") long seed;
        @Option(names = "--device", defaultValue = "cpu") String device;

        @Spec CommandSpec spec;

        @Override public Integer call() throws Exception {
            try (rlhf4j.transformer.run.RunLock lock = rlhf4j.transformer.run.RunLock.checkpointDirectory(out)) {   // one run per --out
                return train();
            }
        }

        private Integer train() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            Device dev = Device.parse(device);
            Backends.forDevice(dev);
            long t0 = System.nanoTime();
            DataSet d = dataSet(data, val);
            if (ngrams) {
                int reward = d.classes().indexOf(rewardClass != null ? rewardClass : d.rewardClass());
                if (reward < 0) throw new IllegalArgumentException("no class '" + rewardClass + "'; the classes are " + d.classes());
                NgramClassifier m = new NgramClassifier(20, d.classes().size(), reward);
                m.train(d.train(), epochs, lr, weightDecay, seed);
                Files.createDirectories(out);
                m.save(out.resolve(NgramClassifier.WEIGHTS_FILE));
                err.printf(Locale.ROOT, "n-gram baseline: training %s; validation %s; %.1f s; saved %s%n", m.evaluate(d.train()),
                        m.evaluate(d.val()), (System.nanoTime() - t0) / 1e9, out.resolve(NgramClassifier.WEIGHTS_FILE));
                return 0;
            }
            List<String> corpus = new ArrayList<>();
            d.train().forEach(t -> corpus.add(t.text()));
            TrunkOptions.Trunk t = trunk.build(corpus, dev, seed, err);
            Classifier model = Classifier.create(t.model(), t.tokenizer(), d.classes(), 0, maxLength, seed)
                    .rewarding(rewardClass != null ? rewardClass : d.rewardClass(), false);
            var trainer = new ClassifierTrainer(model, new ClassifierTrainer.Config(epochs, batchSize, lr, weightDecay, 1.0, seed));
            ProgressBar[] bar = {null};
            List<ClassifierTrainer.Epoch> history = trainer.train(d.train(), d.val(), new ClassifierTrainer.Listener() {
                @Override public void onStep(int epoch, int step, int steps, double loss) {
                    if (bar[0] == null) bar[0] = ProgressBar.on(err, "epoch " + epoch, steps);
                    bar[0].update(step, "loss " + TrunkOptions.fmt(loss));
                }

                @Override public void onEpoch(ClassifierTrainer.Epoch e) {
                    bar[0].finish();
                    bar[0] = null;
                    err.printf(Locale.ROOT, "epoch %d: train loss %.4f, validation %s, %.1f s%n", e.epoch(), e.trainLoss(),
                            e.validation(), e.seconds());
                }
            });
            ClassificationMetrics last = history.getLast().validation();
            JsonObject extra = new JsonObject();
            extra.addProperty("data", data);
            extra.addProperty("trunk", t.source());
            JsonArray h = new JsonArray();
            for (var e : history) {
                JsonObject o = new JsonObject();
                o.addProperty("epoch", e.epoch());
                o.addProperty("train_loss", e.trainLoss());
                if (e.validation() != null) {
                    o.addProperty("val_accuracy", e.validation().accuracy());
                    o.addProperty("val_macro_f1", e.validation().macroF1());
                }
                h.add(o);
            }
            extra.add("history", h);
            model.save(out, extra);
            err.printf(Locale.ROOT, "saved %s; validation %s; total %.1f s%n", out, last, (System.nanoTime() - t0) / 1e9);
            return 0;
        }
    }

    @Command(name = "score", mixinStandardHelpOptions = true,
            description = "Score texts with a classifier: one line per text (reward logit, or the class probabilities), or metrics on a labelled set.")
    static final class Score implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "classifier directory (from classifier train)")
        Path model;

        @Option(names = "--in", description = "texts: one per line, or completions JSONL (field \"text\")")
        Path in;

        @Option(names = "--data", description = "instead of --in: a labelled set (tweeteval-hate, davidson, sst2 or TSV) to report accuracy and macro-F1 on its validation split")
        String data;

        @Option(names = "--probabilities", description = "print the softmax probabilities of every class instead of the reward logit")
        boolean probabilities;

        @Option(names = "--device", defaultValue = "cpu") String device;

        @Spec CommandSpec spec;

        @Override public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            if ((in == null) == (data == null)) throw new IllegalArgumentException("give --in FILE or --data SET");
            if (in != null && !Files.isRegularFile(in)) throw new NoSuchFileException(in.toString(), null, "no such input file");
            if (Files.isRegularFile(model.resolve(NgramClassifier.WEIGHTS_FILE))) {
                NgramClassifier m = NgramClassifier.load(model.resolve(NgramClassifier.WEIGHTS_FILE));
                if (data != null) out.println(m.evaluate(dataSet(data, null).val()));
                else for (String t : RewardCommand.readTexts(in)) out.println(String.format(Locale.ROOT, "%.4f", m.score(t)));
                return 0;
            }
            Classifier c = Classifier.load(model, Device.parse(device));
            if (data != null) {
                out.println(ClassifierTrainer.evaluate(c, dataSet(data, null).val()));
                return 0;
            }
            List<String> texts = RewardCommand.readTexts(in);
            if (probabilities) {
                out.println(String.join("\t", c.classes));
                for (float[] p : c.probabilities(texts)) {
                    StringBuilder sb = new StringBuilder();
                    for (int k = 0; k < p.length; k++) sb.append(k == 0 ? "" : "\t").append(String.format(Locale.ROOT, "%.4f", p[k]));
                    out.println(sb);
                }
            } else {
                for (float[] z : c.logits(texts)) out.println(String.format(Locale.ROOT, "%.4f", z[c.rewardClass()]));
            }
            return 0;
        }
    }
}
