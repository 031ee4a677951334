package rlhf4j.rlhf.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import rlhf4j.transformer.data.DataSets;

/**
 * Davidson et al. (2017), "Automated Hate Speech Detection and the Problem of Offensive Language": 24,783 tweets,
 * each judged by several annotators as hate speech, offensive language or neither.
 *
 * <p>File: {@code davidson-hate/labeled_data.csv}, header {@code ,count,hate_speech,offensive_language,neither,
 * class,tweet} (the first column is an unnamed row index); tweets are quoted and may span lines. The texts contain
 * slurs: never print them.
 */
public final class DavidsonHate {
    private DavidsonHate() {}

    public static final int HATE = 0;
    public static final int OFFENSIVE = 1;
    public static final int NEITHER = 2;

    static final List<String> HEADER =
            List.of("", "count", "hate_speech", "offensive_language", "neither", "class", "tweet");

    /** One annotated tweet: how many annotators there were, how many chose each class, and the majority class. */
    public record Row(int index, int annotators, int hateVotes, int offensiveVotes, int neitherVotes, int label,
                      String tweet) {
        public LabeledText labeled() {
            return new LabeledText(tweet, label);
        }
    }

    /** The rows of {@code shared/data/davidson-hate/labeled_data.csv}. */
    public static List<Row> load() {
        return load(DataSets.file("davidson-hate/labeled_data.csv"));
    }

    public static List<Row> load(Path file) {
        List<CsvReader.Row> records = CsvReader.read(file);
        if (records.isEmpty() || !records.get(0).fields().equals(HEADER)) {
            throw new IllegalArgumentException(file + ":1: expected header " + String.join(",", HEADER));
        }
        List<Row> rows = new ArrayList<>(records.size() - 1);
        for (CsvReader.Row r : records.subList(1, records.size())) {
            List<String> f = r.fields();
            String where = file + ":" + r.line();
            if (f.size() != HEADER.size()) {
                throw new IllegalArgumentException(where + ": expected " + HEADER.size() + " fields, got " + f.size());
            }
            int index = integer(f.get(0), "index", where);
            int annotators = integer(f.get(1), "count", where);
            int hate = integer(f.get(2), "hate_speech", where);
            int offensive = integer(f.get(3), "offensive_language", where);
            int neither = integer(f.get(4), "neither", where);
            int label = integer(f.get(5), "class", where);
            if (label < HATE || label > NEITHER) {
                throw new IllegalArgumentException(where + ": class " + label + " is not 0, 1 or 2");
            }
            if (hate + offensive + neither != annotators) {
                throw new IllegalArgumentException(where + ": votes " + hate + "+" + offensive + "+" + neither
                        + " do not add up to count " + annotators);
            }
            rows.add(new Row(index, annotators, hate, offensive, neither, label, f.get(6)));
        }
        return rows;
    }

    /** The rows as (tweet, class) pairs: 0 hate, 1 offensive, 2 neither. */
    public static List<LabeledText> labeled(List<Row> rows) {
        return rows.stream().map(Row::labeled).toList();
    }

    private static int integer(String field, String column, String where) {
        try {
            return Integer.parseInt(field);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + ": column " + column + " is not an integer", e);
        }
    }
}
