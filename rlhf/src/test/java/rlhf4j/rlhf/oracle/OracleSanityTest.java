package rlhf4j.rlhf.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import rlhf4j.rlhf.data.LabeledText;
import rlhf4j.rlhf.data.Sentiment;

/** Both lexicon scorers must separate SST-2 dev positives from negatives well above chance. */
class OracleSanityTest {
    @Test
    void vaderOnSst2Dev() {
        Figures f = Figures.of(Sentiment.sst2Dev(), Vader.load());
        assertTrue(f.meanPositive > 0.3 && f.meanNegative < 0.05, f.toString());
        assertEquals(579, f.correct, f.toString()); // 66.4 % by sign(compound) > 0, as measured
    }

    @Test
    void afinnOnSst2Dev() {
        Figures f = Figures.of(Sentiment.sst2Dev(), Afinn.load());
        assertTrue(f.meanPositive > 0.1 && f.meanNegative < 0, f.toString());
        assertEquals(608, f.correct, f.toString()); // 69.7 % by sign(mean valence) > 0, as measured
    }

    record Figures(double meanPositive, double meanNegative, int correct, int total) {
        static Figures of(List<LabeledText> data, TextScorer scorer) {
            double[] sum = new double[2];
            int[] count = new int[2];
            int correct = 0;
            for (LabeledText r : data) {
                double s = scorer.score(r.text());
                sum[r.label()] += s;
                count[r.label()]++;
                if ((s > 0) == (r.label() == Sentiment.POSITIVE)) correct++;
            }
            return new Figures(sum[1] / count[1], sum[0] / count[0], correct, data.size());
        }
    }
}
