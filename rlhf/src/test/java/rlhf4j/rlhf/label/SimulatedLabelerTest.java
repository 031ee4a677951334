package rlhf4j.rlhf.label;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.feedback.Ranking;
import rlhf4j.rlhf.oracle.TextScorer;

class SimulatedLabelerTest {
    /** Scores read from a fixed table, so the test knows s_i exactly. */
    static final Map<String, Double> SCORES = Map.of("a", 1.0, "b", 0.5, "c", -0.25, "d", -1.0);
    static final TextScorer ORACLE = SCORES::get;

    static LabelItem item(String promptId) {
        List<Completion> cs = new ArrayList<>();
        for (String text : List.of("c", "a", "d", "b")) cs.add(new Completion(promptId + "-" + text, promptId, text));
        return new LabelItem(new Prompt(promptId, "?"), cs);
    }

    static double sigmoid(double x) { return 1 / (1 + Math.exp(-x)); }

    /**
     * Over 20,000 items, how often each pair comes out in score order must match the Bradley-Terry probability
     * σ((s_i − s_j)/T) within 4 standard errors (SE = sqrt(p(1−p)/n) ≤ 0.0035).
     */
    @Test void pairwiseFrequenciesFollowBradleyTerry() {
        double temperature = 0.7;
        var labeler = new SimulatedLabeler("sim", "sentiment", ORACLE, temperature, 42);
        List<String> ids = List.of("a", "b", "c", "d");
        int n = 20_000;
        int[][] above = new int[4][4];
        for (int t = 0; t < n; t++) {
            String promptId = "p" + t;
            Ranking r = labeler.judge(item(promptId)).ranking();
            for (int i = 0; i < 4; i++) for (int j = 0; j < 4; j++) {
                if (i != j && r.tierOf(promptId + "-" + ids.get(i)) < r.tierOf(promptId + "-" + ids.get(j))) above[i][j]++;
            }
        }
        for (int i = 0; i < 4; i++) for (int j = i + 1; j < 4; j++) {
            double p = sigmoid((SCORES.get(ids.get(i)) - SCORES.get(ids.get(j))) / temperature);
            double se = Math.sqrt(p * (1 - p) / n);
            assertEquals(p, above[i][j] / (double) n, 4 * se, ids.get(i) + " above " + ids.get(j));
        }
        // the best completion comes first with the Plackett-Luce probability exp(s_a/T) / Σ exp(s/T)
        double z = 0;
        for (double s : SCORES.values()) z += Math.exp(s / temperature);
        double pFirst = Math.exp(1.0 / temperature) / z;
        int first = 0;
        for (int t = 0; t < 2000; t++) if (labeler.judge(item("p" + t)).ranking().tiers().get(0).get(0).endsWith("-a")) first++;
        assertEquals(pFirst, first / 2000.0, 4 * Math.sqrt(pFirst * (1 - pFirst) / 2000));
    }

    @Test void seededPerItemAndTemperatureLimits() {
        var a = new SimulatedLabeler("sim", "sentiment", ORACLE, 1.0, 7);
        var again = new SimulatedLabeler("sim", "sentiment", ORACLE, 1.0, 7);
        // the same item gives the same judgement whatever was labeled before
        Judgement x = a.judge(item("p9"));
        again.judge(item("p1"));
        again.judge(item("p2"));
        assertEquals(x.ranking(), again.judge(item("p9")).ranking());
        // T = 0: the oracle's order exactly
        var perfect = new SimulatedLabeler("oracle", "sentiment", ORACLE, 0.0, 1);
        assertEquals(Ranking.strict("q-a", "q-b", "q-c", "q-d"), perfect.judge(item("q")).ranking());
        // equal scores tie at T = 0
        var flat = new SimulatedLabeler("flat", "sentiment", text -> 0.0, 0.0, 1);
        assertEquals(new Ranking(List.of(List.of("q-c", "q-a", "q-d", "q-b"))), flat.judge(item("q")).ranking());
        // different seeds disagree somewhere over 20 items
        var other = new SimulatedLabeler("sim", "sentiment", ORACLE, 1.0, 8);
        int differ = 0;
        for (int t = 0; t < 20; t++) if (!a.judge(item("p" + t)).ranking().equals(other.judge(item("p" + t)).ranking())) differ++;
        assertNotEquals(0, differ);
    }

    @Test void randomLabelerIsUniformOverOrders() {
        // P(a above b) = 1/2 and each of the 4 completions is first 1/4 of the time
        var random = new RandomLabeler("random", "sentiment", 3);
        int n = 8000, aAboveB = 0;
        int[] firsts = new int[4];
        List<String> ids = List.of("a", "b", "c", "d");
        for (int t = 0; t < n; t++) {
            Ranking r = random.judge(item("p" + t)).ranking();
            if (r.tierOf("p" + t + "-a") < r.tierOf("p" + t + "-b")) aAboveB++;
            String best = r.tiers().get(0).get(0);
            firsts[ids.indexOf(best.substring(best.length() - 1))]++;
            assertEquals(4, r.tiers().size());
        }
        assertEquals(0.5, aAboveB / (double) n, 4 * Math.sqrt(0.25 / n));
        for (int f : firsts) assertEquals(0.25, f / (double) n, 4 * Math.sqrt(0.25 * 0.75 / n));
    }
}
