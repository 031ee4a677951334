package rlhf4j.rlhf.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A labelled text set for a classifier: training and validation splits, class names in label order, and the class a
 * reward optimises for by default.
 */
public record LabeledDataSet(List<LabeledText> train, List<LabeledText> val, List<String> classes, String rewardClass) {
    public static final String NAMES = "tweeteval-hate, davidson, sst2 or a TSV file of label<TAB>text";

    /**
     * {@code tweeteval-hate} (also {@code tweeteval}; train / val), {@code davidson} (every 10th row held out),
     * {@code sst2} (train / dev), or a TSV file of {@code label<TAB>text} lines (integer labels; every 10th line held
     * out unless {@code valFile} is given).
     */
    public static LabeledDataSet load(String name, Path valFile) throws IOException {
        return switch (name) {
            case "tweeteval-hate", "tweeteval" -> new LabeledDataSet(TweetEvalHate.train(), TweetEvalHate.val(), List.of("not-hate", "hate"), "not-hate");
            case "sst2" -> new LabeledDataSet(Sentiment.sst2Train(), Sentiment.sst2Dev(), List.of("negative", "positive"), "positive");
            case "davidson" -> split(DavidsonHate.labeled(DavidsonHate.load()), List.of("hate", "offensive", "neither"), "neither");
            default -> {
                List<LabeledText> all = readTsv(Path.of(name));
                int classes = 0;
                for (LabeledText t : all) classes = Math.max(classes, t.label() + 1);
                List<String> names = new ArrayList<>();
                for (int c = 0; c < classes; c++) names.add(Integer.toString(c));
                yield valFile != null ? new LabeledDataSet(all, readTsv(valFile), names, names.getFirst()) : split(all, names, names.getFirst());
            }
        };
    }

    private static LabeledDataSet split(List<LabeledText> all, List<String> classes, String reward) {
        List<LabeledText> train = new ArrayList<>(), val = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) (i % 10 == 9 ? val : train).add(all.get(i));
        return new LabeledDataSet(train, val, classes, reward);
    }

    /** Lines {@code label<TAB>text}; errors name the file and line. */
    public static List<LabeledText> readTsv(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "no such data file (expected " + NAMES + ")");
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
}
