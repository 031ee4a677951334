package rlhf4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import rlhf4j.rlhf.data.LabeledDataSet;
import rlhf4j.rlhf.reward.RewardFunction;
import rlhf4j.rlhf.reward.TextClassifier;
import rlhf4j.rlhf.stage.ClassifierStage;
import rlhf4j.tensor.Device;

/** {@code classifier train} and {@code classifier score}: a classification head on a trunk (or n-grams), used as a reward. */
@Command(name = "classifier", mixinStandardHelpOptions = true,
        description = "Train a text classifier (N logits at the last token) whose class logit is a reward, or score with one.",
        subcommands = {ClassifierCommand.Train.class, ClassifierCommand.Score.class})
public final class ClassifierCommand implements Callable<Integer> {
    @Override public Integer call() {
        picocli.CommandLine.usage(this, System.out);
        return 0;
    }

    @Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Train a classifier with cross-entropy (or the n-gram baseline) and save it; then --reward classifier:OUT:CLASS.")
    static final class Train implements Callable<Integer> {
        @Option(names = "--data", defaultValue = "tweeteval-hate", description = LabeledDataSet.NAMES + " (default: ${DEFAULT-VALUE})")
        String data;

        @Option(names = "--val", description = "validation TSV for a --data file (default: every 10th line held out)")
        Path val;

        @Option(names = "--out", required = true, description = "directory to write the classifier to")
        Path out;

        @Option(names = "--ngrams", description = "instead of a transformer: the bag-of-n-grams logistic regression (AdaGrad, L2)")
        boolean ngrams;

        @Mixin TrunkOptions trunk = new TrunkOptions();

        @Option(names = "--epochs", defaultValue = "3", description = "(default: ${DEFAULT-VALUE})") int epochs;
        @Option(names = "--batch-size", defaultValue = "32", description = "texts per step (default: ${DEFAULT-VALUE})") int batchSize;
        @Option(names = "--lr", description = "learning rate: AdamW, or AdaGrad with --ngrams (default: 3e-4; 0.1 with --ngrams)") Double lr;
        @Option(names = "--weight-decay", description = "AdamW decay of the matrices, or the L2 penalty with --ngrams (default: 0.01; 1e-4 with --ngrams)")
        Double weightDecay;
        @Option(names = "--max-length", defaultValue = "128", description = "tokens per text, the last kept (default: ${DEFAULT-VALUE})")
        int maxLength;
        @Option(names = "--max-train", defaultValue = "0", description = "train on a seeded random subset of this many texts, 0 = all (default: ${DEFAULT-VALUE})")
        int maxTrain;
        @Option(names = "--max-val", defaultValue = "0", description = "validate on the first this many texts, 0 = all (default: ${DEFAULT-VALUE})")
        int maxVal;
        @Option(names = "--reward-class", description = "class whose logit is the reward (default: the data set's, e.g. not-hate)")
        String rewardClass;
        @Option(names = "--seed", defaultValue = "1", description = "(default: ${DEFAULT-VALUE})") long seed;
        @Mixin StageOptions stage = new StageOptions();

        ClassifierStage.Config config() {
            ClassifierStage.Config base = ngrams ? ClassifierStage.Config.ngramDefaults() : ClassifierStage.Config.defaults(trunk.source());
            ClassifierStage.Training t = base.training();
            return base.withData(new ClassifierStage.Data(data, val, maxTrain, maxVal)).withRewardClass(rewardClass).withSeed(seed)
                    .withTraining(new ClassifierStage.Training(epochs, batchSize, lr != null ? lr : t.lr(),
                            weightDecay != null ? weightDecay : t.weightDecay(), maxLength));
        }

        @Override public Integer call() throws Exception {
            try (var lock = rlhf4j.transformer.run.RunLock.checkpointDirectory(out)) {   // one run per --out
                new ClassifierStage(config(), stage.context()).run(out);
            }
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

        @Option(names = "--data", description = "instead of --in: a labelled set (" + LabeledDataSet.NAMES + ") to report accuracy and macro-F1 on its validation split")
        String data;

        @Option(names = "--probabilities", description = "print the softmax probabilities of every class instead of the reward logit")
        boolean probabilities;

        @Option(names = "--device", defaultValue = "cpu", description = "(default: ${DEFAULT-VALUE})") String device;

        @Spec CommandSpec spec;

        @Override public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            if ((in == null) == (data == null)) throw new IllegalArgumentException("give --in FILE or --data SET");
            if (in != null && !Files.isRegularFile(in)) throw new NoSuchFileException(in.toString(), null, "no such input file");
            TextClassifier c = TextClassifier.load(model, Device.parse(device));
            if (data != null) {
                out.println(c.evaluate(LabeledDataSet.load(data, null).val()));
                return 0;
            }
            List<String> texts = RewardCommand.readTexts(in);
            if (!probabilities) {
                for (float r : c.score(texts.stream().map(t -> new RewardFunction.Sample("", t, null, null)).toList()))
                    out.println(String.format(Locale.ROOT, "%.4f", r));
                return 0;
            }
            out.println(String.join("\t", c.classes()));
            for (String t : texts) {
                StringBuilder line = new StringBuilder();
                for (int k = 0; k < c.classes().size(); k++)
                    line.append(k == 0 ? "" : "\t").append(String.format(Locale.ROOT, "%.4f", c.probability(t, k)));
                out.println(line);
            }
            return 0;
        }
    }
}
