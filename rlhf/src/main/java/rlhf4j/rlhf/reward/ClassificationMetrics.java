package rlhf4j.rlhf.reward;

/**
 * Accuracy and F1 from predicted and true labels. F1 of class c = 2·TP / (2·TP + FP + FN) (0 when the class never
 * occurs nor is predicted); macro-F1 is their unweighted mean, the figure TweetEval reports.
 *
 * @param confusion confusion[true][predicted] counts
 */
public record ClassificationMetrics(int[][] confusion) {

    public static ClassificationMetrics of(int[] truth, int[] predicted, int classes) {
        if (truth.length != predicted.length) throw new IllegalArgumentException(truth.length + " labels, " + predicted.length + " predictions");
        int[][] m = new int[classes][classes];
        for (int i = 0; i < truth.length; i++) m[truth[i]][predicted[i]]++;
        return new ClassificationMetrics(m);
    }

    public int classes() { return confusion.length; }

    public int count() {
        int n = 0;
        for (int[] row : confusion) for (int x : row) n += x;
        return n;
    }

    public double accuracy() {
        int right = 0;
        for (int c = 0; c < classes(); c++) right += confusion[c][c];
        return count() == 0 ? 0 : (double) right / count();
    }

    public double f1(int c) {
        int tp = confusion[c][c], fp = 0, fn = 0;
        for (int o = 0; o < classes(); o++) {
            if (o == c) continue;
            fp += confusion[o][c];
            fn += confusion[c][o];
        }
        return 2 * tp + fp + fn == 0 ? 0 : 2.0 * tp / (2 * tp + fp + fn);
    }

    public double macroF1() {
        double s = 0;
        for (int c = 0; c < classes(); c++) s += f1(c);
        return s / classes();
    }

    /** Index of the largest value of each row. */
    public static int[] argmax(float[][] scores) {
        int[] out = new int[scores.length];
        for (int i = 0; i < scores.length; i++)
            for (int c = 1; c < scores[i].length; c++) if (scores[i][c] > scores[i][out[i]]) out[i] = c;
        return out;
    }

    @Override public String toString() {
        return String.format(java.util.Locale.ROOT, "accuracy %.4f, macro-F1 %.4f (n = %d)", accuracy(), macroF1(), count());
    }
}
