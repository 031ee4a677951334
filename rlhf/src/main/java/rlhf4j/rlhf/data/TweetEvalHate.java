package rlhf4j.rlhf.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import rlhf4j.transformer.data.DataSets;

/**
 * The hate-speech task of TweetEval (Barbieri et al. 2020, from SemEval-2019 HatEval): one tweet per line in
 * {@code <split>_text.txt} and its label (0 not hate, 1 hate) on the same line of {@code <split>_labels.txt}.
 * Splits here: train (9,000) and val (1,000). The texts contain slurs: never print them.
 */
public final class TweetEvalHate {
    private TweetEvalHate() {}

    public static final int NOT_HATE = 0;
    public static final int HATE = 1;

    /** The training split from {@code shared/data/tweeteval-hate}. */
    public static List<LabeledText> train() {
        return load(DataSets.folder("tweeteval-hate"), "train");
    }

    /** The validation split from {@code shared/data/tweeteval-hate}. */
    public static List<LabeledText> val() {
        return load(DataSets.folder("tweeteval-hate"), "val");
    }

    /** The split {@code <dir>/<split>_text.txt} with {@code <dir>/<split>_labels.txt}. */
    public static List<LabeledText> load(Path dir, String split) {
        Path textFile = dir.resolve(split + "_text.txt");
        Path labelFile = dir.resolve(split + "_labels.txt");
        List<String> texts = TextFiles.readUtf8Lines(textFile);
        List<String> labels = TextFiles.readUtf8Lines(labelFile);
        if (texts.size() != labels.size()) {
            throw new IllegalArgumentException(textFile + " has " + texts.size() + " lines but " + labelFile
                    + " has " + labels.size() + "; they must be parallel");
        }
        List<LabeledText> records = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            String label = labels.get(i).strip();
            int value;
            if (label.equals("0")) value = NOT_HATE;
            else if (label.equals("1")) value = HATE;
            else throw new IllegalArgumentException(labelFile + ":" + (i + 1) + ": label must be 0 or 1");
            records.add(new LabeledText(texts.get(i), value));
        }
        return records;
    }
}
