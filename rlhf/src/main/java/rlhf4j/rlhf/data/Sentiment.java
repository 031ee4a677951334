package rlhf4j.rlhf.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import rlhf4j.transformer.data.DataSets;

/**
 * Binary movie-review sentiment sets, label 1 positive, 0 negative.
 *
 * <ul>
 *   <li>SST-2 (Socher et al. 2013): {@code sentiment/sst2-{train,dev}.tsv}, {@code sentence TAB label}; the
 *       sentences are lower-cased and tokenised ("it 's", "does n't"). 65,328 train and 872 dev.</li>
 *   <li>rt-polarity (Pang and Lee 2005): {@code sentiment/rt-polarity.pos} and {@code .neg}, one sentence a line,
 *       5,331 each. The original release is Latin-1; the copy in shared/data is UTF-8. Both are read: UTF-8 when
 *       the bytes are valid UTF-8, Latin-1 otherwise.</li>
 * </ul>
 */
public final class Sentiment {
    private Sentiment() {}

    public static final int NEGATIVE = 0;
    public static final int POSITIVE = 1;

    public static List<LabeledText> sst2Train() {
        return sst2(DataSets.file("sentiment/sst2-train.tsv"));
    }

    public static List<LabeledText> sst2Dev() {
        return sst2(DataSets.file("sentiment/sst2-dev.tsv"));
    }

    /** An SST-2 file: sentence TAB 0-or-1 per line; the sentence loses its surrounding spaces. */
    public static List<LabeledText> sst2(Path file) {
        List<String> lines = TextFiles.readUtf8Lines(file);
        List<LabeledText> records = new ArrayList<>(lines.size());
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            int tab = line.lastIndexOf('\t');
            if (tab < 0) throw new IllegalArgumentException(file + ":" + (n + 1) + ": no TAB before the label");
            String label = line.substring(tab + 1).strip();
            int value;
            if (label.equals("0")) value = NEGATIVE;
            else if (label.equals("1")) value = POSITIVE;
            else throw new IllegalArgumentException(file + ":" + (n + 1) + ": label must be 0 or 1");
            records.add(new LabeledText(line.substring(0, tab).strip(), value));
        }
        return records;
    }

    /** rt-polarity from {@code shared/data/sentiment}: the positives (label 1), then the negatives (label 0). */
    public static List<LabeledText> rtPolarity() {
        return rtPolarity(DataSets.file("sentiment/rt-polarity.pos"),
                DataSets.file("sentiment/rt-polarity.neg"));
    }

    public static List<LabeledText> rtPolarity(Path positives, Path negatives) {
        List<LabeledText> records = new ArrayList<>();
        addSentences(positives, POSITIVE, records);
        addSentences(negatives, NEGATIVE, records);
        return records;
    }

    private static void addSentences(Path file, int label, List<LabeledText> out) {
        List<String> lines = TextFiles.lines(TextFiles.readUtf8OrLatin1(file));
        for (int n = 0; n < lines.size(); n++) {
            String sentence = lines.get(n).strip();
            if (sentence.isEmpty()) throw new IllegalArgumentException(file + ":" + (n + 1) + ": empty sentence");
            out.add(new LabeledText(sentence, label));
        }
    }
}
