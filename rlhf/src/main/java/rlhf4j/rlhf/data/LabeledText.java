package rlhf4j.rlhf.data;

import java.util.List;
import java.util.Objects;

/** A text with an integer class label (the meaning of each label is given by the loader that made it). */
public record LabeledText(String text, int label) {
    public LabeledText {
        Objects.requireNonNull(text, "text");
    }

    /** How many records carry each label 0..classes-1; a label outside that range is an error. */
    public static int[] classCounts(List<LabeledText> records, int classes) {
        int[] counts = new int[classes];
        for (LabeledText r : records) {
            if (r.label < 0 || r.label >= classes) {
                throw new IllegalArgumentException("label " + r.label + " outside 0.." + (classes - 1));
            }
            counts[r.label]++;
        }
        return counts;
    }
}
