package rlhf4j.rlhf.reward;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import rlhf4j.rlhf.data.LabeledText;
import rlhf4j.rlhf.oracle.TextScorer;
import rlhf4j.tensor.Device;

/**
 * A text classifier whose reward is the logit of one class: the transformer {@link Classifier} or the bag-of-n-grams
 * {@link NgramClassifier}. Both give class probabilities too, e.g. P(hate) as a toxicity score.
 */
public interface TextClassifier extends RewardFunction, TextScorer {

    /** A short name for reports, e.g. "classifier:not-hate". */
    @Override String name();

    /** Class names in label order. */
    List<String> classes();

    /** The index of the class whose logit is the reward. */
    int rewardClass();

    /** The same model rewarding another class (by name); an error naming the classes when there is no such class. */
    TextClassifier rewarding(String className);

    /** P(c | text) = softmax(z)_c over the N logits z of the text. */
    double probability(String text, int c);

    /** Accuracy, per-class F1 and macro-F1 on labelled texts. */
    ClassificationMetrics evaluate(List<LabeledText> data);

    /** P(className | text) as a scorer named "P(className)". */
    default TextScorer probabilityOf(String className) {
        int c = indexOf(this, className);
        return new TextScorer() {
            @Override public double score(String text) { return probability(text, c); }

            @Override public String name() { return "P(" + className + ")"; }
        };
    }

    /** The index of a class name, or an IllegalArgumentException naming the classes. */
    static int indexOf(TextClassifier model, String className) {
        int c = model.classes().indexOf(className);
        if (c < 0) throw new IllegalArgumentException("no class '" + className + "'; the classes are " + model.classes());
        return c;
    }

    /** A classifier directory as {@code classifier train} writes it: n-gram weights, or a trunk with a classification head. */
    static TextClassifier load(Path dir, Device device) throws IOException {
        if (!Files.isDirectory(dir)) throw new NoSuchFileException(dir.toString(), null, "no such classifier directory");
        Path ngrams = dir.resolve(NgramClassifier.WEIGHTS_FILE);
        return Files.isRegularFile(ngrams) ? NgramClassifier.load(ngrams) : Classifier.load(dir, device);
    }
}
