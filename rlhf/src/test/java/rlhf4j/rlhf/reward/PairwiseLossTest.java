package rlhf4j.rlhf.reward;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import rlhf4j.autograd.Variable;
import rlhf4j.rlhf.consensus.PreferenceGroup;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.feedback.Ranking;
import rlhf4j.tensor.Tensor;

class PairwiseLossTest {

    static Variable rewards(float... r) { return Variable.leaf(Tensor.of(r)); }

    @Test void oneHandComputedPair() {
        // r_w = 1, r_l = 0: loss = log(1 + e^-1) = 0.3132617; dr_w = −σ(−1) = −0.2689414, dr_l = +0.2689414
        Variable r = rewards(1f, 0f);
        Variable loss = PairwiseLoss.loss(r, PairwiseLoss.Pairs.uniform(new int[]{0}, new int[]{1}), 0);
        assertEquals(0.3132617, loss.item(), 1e-6);
        loss.backward();
        float[] g = r.grad().toFloatArray();
        assertEquals(-0.2689414, g[0], 1e-6);
        assertEquals(0.2689414, g[1], 1e-6);
        // a margin of 0.5 asks for a gap: log(1 + e^-0.5) = 0.4740770
        assertEquals(0.4740770, PairwiseLoss.loss(rewards(1f, 0f), PairwiseLoss.Pairs.uniform(new int[]{0}, new int[]{1}), 0.5).item(), 1e-6);
    }

    @Test void stableForLargeGaps() {
        var pairs = PairwiseLoss.Pairs.uniform(new int[]{0, 1}, new int[]{1, 0});
        // pair 0 right by 200: loss ≈ e^-200 ≈ 0; pair 1 wrong by 200: loss = 200; mean 100, no inf or NaN
        Variable r = rewards(100f, -100f);
        Variable loss = PairwiseLoss.loss(r, pairs, 0);
        assertEquals(100.0, loss.item(), 1e-3);
        loss.backward();
        float[] g = r.grad().toFloatArray();
        // only the wrong pair (winner row 1) pulls, with weight ½: ∂/∂r1 = −½·σ(200) = −½, ∂/∂r0 = +½
        assertEquals(0.5, g[0], 1e-6);
        assertEquals(-0.5, g[1], 1e-6);
        assertEquals(100.0, PairwiseLoss.reference(new float[]{100f, -100f}, pairs, 0), 1e-9);
    }

    @Test void gradientMatchesFiniteDifferences() {
        Random rnd = new Random(3);
        int n = 6;
        float[] r0 = new float[n];
        for (int i = 0; i < n; i++) r0[i] = (float) rnd.nextGaussian();
        int[] w = {0, 0, 2, 3, 5, 4}, l = {1, 2, 1, 4, 3, 0};
        float[] weights = {0.1f, 0.2f, 0.3f, 0.15f, 0.15f, 0.1f};
        var pairs = new PairwiseLoss.Pairs(w, l, weights);
        double margin = 0.3;
        Variable r = rewards(r0.clone());
        Variable loss = PairwiseLoss.loss(r, pairs, margin);
        assertEquals(PairwiseLoss.reference(r0, pairs, margin), loss.item(), 1e-6);
        loss.backward();
        float[] g = r.grad().toFloatArray();
        double h = 1e-3;
        for (int i = 0; i < n; i++) {
            float[] plus = r0.clone(), minus = r0.clone();
            plus[i] += (float) h;
            minus[i] -= (float) h;
            double fd = (PairwiseLoss.reference(plus, pairs, margin) - PairwiseLoss.reference(minus, pairs, margin)) / (2 * h);
            assertEquals(fd, g[i], 1e-4, "d loss / d r" + i);
        }
    }

    static PreferenceGroup group(String id, int k) {
        List<Completion> cs = new java.util.ArrayList<>();
        String[] ids = new String[k];
        for (int i = 0; i < k; i++) { cs.add(new Completion(id + "-" + i, id, "c" + i)); ids[i] = id + "-" + (k - 1 - i); }
        return PreferenceGroup.of("t", "c", new Prompt(id, "p"), cs, Ranking.strict(ids));
    }

    @Test void groupedWeightsEqualThePairsOneByOne() {
        List<PreferenceGroup> groups = List.of(group("a", 3), group("b", 4), group("c", 2));
        var pairs = PairwiseLoss.Pairs.ofGroups(groups);
        assertEquals(3 + 6 + 1, pairs.size());
        Random rnd = new Random(5);
        float[] r = new float[3 + 4 + 2];
        for (int i = 0; i < r.length; i++) r[i] = (float) rnd.nextGaussian();
        // the mean over groups of each group's mean pair loss, each pair computed alone
        double expected = 0;
        int row = 0;
        for (PreferenceGroup g : groups) {
            double sum = 0;
            for (var p : g.pairs()) {
                Variable one = PairwiseLoss.loss(rewards(r[row + p.winner()], r[row + p.loser()]),
                        PairwiseLoss.Pairs.uniform(new int[]{0}, new int[]{1}), 0);
                sum += one.item();
            }
            expected += sum / g.pairs().size() / groups.size();
            row += g.completions().size();
        }
        assertEquals(expected, PairwiseLoss.loss(rewards(r), pairs, 0).item(), 1e-6);
    }

    @Test void accuracyCountsTiesAsHalf() {
        assertEquals(0.5, PairwiseLoss.accuracy(new float[]{1, 0, 2, 2}, new int[]{0, 1, 2}, new int[]{1, 0, 3}), 1e-12);
    }
}
