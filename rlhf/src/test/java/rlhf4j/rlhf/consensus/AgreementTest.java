package rlhf4j.rlhf.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import rlhf4j.rlhf.consensus.Agreement.LabelerPair;
import rlhf4j.rlhf.feedback.ImportResult;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.PandaLmImporter;
import rlhf4j.rlhf.feedback.Ranking;
import rlhf4j.transformer.data.DataSets;

/**
 * Every statistic on a small example worked out by hand.
 *
 * <pre>
 * item 1, completions a b c:        L1: a > b > c     L2: a > c > b     L3: a = b > c
 * item 2, completions d e:          L1: d > e         L2: e > d         (L3 does not judge it)
 *
 * units (item, pair) and choices (F first better, S second better, T tie):
 *   (1, a-b): L1 F, L2 F, L3 T  → counts F2 S0 T1
 *   (1, a-c): L1 F, L2 F, L3 F  → F3 S0 T0
 *   (1, b-c): L1 F, L2 S, L3 F  → F2 S1 T0
 *   (2, d-e): L1 F, L2 S        → F1 S1 T0
 *
 * pairwise agreement: rater pairs per unit 3, 3, 3, 1 = 10; agreeing C(2,2)=1, C(3,2)=3, 1, 0 = 5 → 5/10
 *   (item 1 alone: 5/9)
 *
 * Fleiss' κ, item 1 alone (n = 3): P_i = Σ n_ij(n_ij−1) / (3·2) = 2/6, 6/6, 2/6 → P̄ = 5/9;
 *   p_F = 7/9, p_S = 1/9, p_T = 1/9 → P̄e = 51/81; κ = (5/9 − 51/81) / (1 − 51/81) = (−6/81)/(30/81) = −0.2
 * Fleiss' κ, both items (variable n): P_4 = 0 → P̄ = (5/3)/4 = 5/12; ratings F 8, S 2, T 1 of 11 →
 *   P̄e = (64 + 4 + 1)/121 = 69/121; κ = (5/12 − 69/121) / (52/121) = −223/624
 *
 * Krippendorff's α (nominal), coincidences o_cc = Σ_u n_uc(n_uc − 1)/(m_u − 1):
 *   item 1 alone: o = 1 + 3 + 1 = 5, n = 9, n_F 7, n_S 1, n_T 1 → α = 1 − 8·(9 − 5)/(81 − 51) = −1/15
 *   both items: o = 5 + 0, n = 11, n_F 8, n_S 2, n_T 1 → α = 1 − 10·(11 − 5)/(121 − 69) = −2/13
 *
 * Kendall's τ-b, item 1:
 *   L1–L2: a-b concordant, a-c concordant, b-c discordant → (2 − 1)/sqrt(3·3) = 1/3
 *   L1–L3: a-b tied in L3, a-c, b-c concordant → 2 / sqrt((3 − 0)(3 − 1)) = 2/√6
 *   L2–L3: a-b tied in L3, a-c concordant, b-c discordant → 0 / √6 = 0
 * item 2: L1–L2 discordant → −1.  Means over shared items: L1–L2 (1/3 − 1)/2 = −1/3 (2 items), L1–L3 2/√6,
 *   L2–L3 0; item-weighted overall (1/3 − 1 + 2/√6 + 0)/4
 *
 * Borda, item 1: a 2+2+1.5 = 5.5, b 1+0+1.5 = 2.5, c 0+1+0 = 1 → a > b > c; item 2: d 1, e 1 → d = e
 * agreement with that consensus: L1 a-b ✓ a-c ✓ b-c ✓ d-e ✗(F vs T) → 3/4; L2 ✓ ✓ ✗ ✗ → 2/4; L3 ✗(T vs F) ✓ ✓ → 2/3
 * leave-one-out: L1 vs Borda(L2, L3): a 3.5, b 1.5, c 1 → a > b > c → 3 of item 1; item 2 vs L2 alone (e > d) ✗ → 3/4
 *   L2 vs Borda(L1, L3): a 3.5, b 2.5, c 0 → a > b > c → 2/3 on item 1, item 2 vs L1 ✗ → 2/4
 *   L3 vs Borda(L1, L2): a 4, b 1, c 1 → a > b = c → a-b ✗(T vs F), a-c ✓, b-c ✗(F vs T) → 1/3
 * </pre>
 */
class AgreementTest {
    static final String C = "helpfulness";

    static List<Judgement> example() {
        return List.of(
                Judgement.of("L1", C, "p1", Ranking.strict("a", "b", "c"), null),
                Judgement.of("L2", C, "p1", Ranking.strict("a", "c", "b"), null),
                Judgement.of("L3", C, "p1", Ranking.of(new String[] {"a", "b"}, new String[] {"c"}), null),
                Judgement.of("L1", C, "p2", Ranking.strict("d", "e"), null),
                Judgement.of("L2", C, "p2", Ranking.strict("e", "d"), null),
                Judgement.flagged("L3", C, "p2", null, "cannot read it"));  // unusable: ignored everywhere
    }

    static List<Judgement> itemOne() { return example().subList(0, 3); }

    @Test void pairwiseAgreement() {
        assertEquals(new Agreement.Fraction(5, 9), Agreement.pairwiseAgreement(itemOne()));
        assertEquals(new Agreement.Fraction(5, 10), Agreement.pairwiseAgreement(example()));
    }

    @Test void fleissKappaOfTheExample() {
        assertEquals(-0.2, Agreement.fleissKappa(itemOne()), 1e-12);
        assertEquals(-223.0 / 624, Agreement.fleissKappa(example()), 1e-12);
    }

    @Test void krippendorffAlphaOfTheExample() {
        assertEquals(-1.0 / 15, Agreement.krippendorffAlpha(itemOne()), 1e-12);
        assertEquals(-2.0 / 13, Agreement.krippendorffAlpha(example()), 1e-12);
    }

    /**
     * Krippendorff's worked example (Computing Krippendorff's Alpha-Reliability, 2011, nominal data): 4 coders, 12
     * units, values 1..5, some missing; α = 0.743. The table counts, per unit, the coders giving each value.
     */
    @Test void krippendorffAlphaOfKrippendorffsOwnExample() {
        long[][] counts = {
                {3, 0, 0, 0, 0}, {0, 3, 1, 0, 0}, {0, 0, 4, 0, 0}, {0, 0, 4, 0, 0}, {0, 4, 0, 0, 0}, {1, 1, 1, 1, 0},
                {0, 0, 0, 4, 0}, {3, 1, 0, 0, 0}, {0, 4, 0, 0, 0}, {0, 0, 0, 0, 3}, {2, 0, 0, 0, 0}, {0, 0, 1, 0, 0}};
        assertEquals(0.743, Agreement.krippendorffAlpha(counts), 5e-4);
        // 40 pairable values, 32 coinciding, Σ n_c² = 9² + 13² + 10² + 5² + 3² = 384
        assertEquals(1 - 39.0 * (40 - 32) / (1600 - 384), Agreement.krippendorffAlpha(counts), 1e-12);
        assertTrue(Double.isNaN(Agreement.krippendorffAlpha(new long[][] {{3, 0}, {2, 0}})));   // one value only
        assertTrue(Double.isNaN(Agreement.krippendorffAlpha(new long[][] {{1, 0}})));           // nothing pairable
    }

    @Test void kendallTauB() {
        assertEquals(1.0 / 3, Agreement.kendallTauB(Ranking.strict("a", "b", "c"), Ranking.strict("a", "c", "b")), 1e-12);
        var tied = Ranking.of(new String[] {"a", "b"}, new String[] {"c"});
        assertEquals(2 / Math.sqrt(6), Agreement.kendallTauB(Ranking.strict("a", "b", "c"), tied), 1e-12);
        assertEquals(0.0, Agreement.kendallTauB(Ranking.strict("a", "c", "b"), tied), 1e-12);
        assertEquals(-1.0, Agreement.kendallTauB(Ranking.strict("a", "b", "c"), Ranking.strict("c", "b", "a")), 1e-12);
        // undefined when one side ties everything, or fewer than two completions are shared
        assertTrue(Double.isNaN(Agreement.kendallTauB(Ranking.strict("a", "b"), Ranking.of(new String[] {"a", "b"}))));
        assertTrue(Double.isNaN(Agreement.kendallTauB(Ranking.strict("a", "b"), Ranking.strict("a", "z"))));

        Map<LabelerPair, Agreement.Mean> means = Agreement.meanKendallTau(example());
        assertEquals(List.of(new LabelerPair("L1", "L2"), new LabelerPair("L1", "L3"), new LabelerPair("L2", "L3")),
                List.copyOf(means.keySet()));
        assertEquals(-1.0 / 3, means.get(new LabelerPair("L1", "L2")).mean(), 1e-12);
        assertEquals(2, means.get(new LabelerPair("L1", "L2")).count());
        assertEquals(2 / Math.sqrt(6), means.get(new LabelerPair("L1", "L3")).mean(), 1e-12);
        assertEquals(0.0, means.get(new LabelerPair("L2", "L3")).mean(), 1e-12);
        var overall = Agreement.overallKendallTau(means);
        assertEquals((1.0 / 3 - 1 + 2 / Math.sqrt(6)) / 4, overall.mean(), 1e-12);
        assertEquals(4, overall.count());
    }

    @Test void agreementWithTheConsensusAndFlagging() {
        var all = Agreement.agreementWithConsensus(example(), ConsensusMethod.BORDA, false, 0.6);
        assertEquals(List.of(
                new Agreement.LabelerAgreement("L1", 2, new Agreement.Fraction(3, 4), false),
                new Agreement.LabelerAgreement("L2", 2, new Agreement.Fraction(2, 4), true),
                new Agreement.LabelerAgreement("L3", 1, new Agreement.Fraction(2, 3), false)), all);
        var others = Agreement.agreementWithConsensus(example(), ConsensusMethod.BORDA, true, 0.6);
        assertEquals(List.of(
                new Agreement.LabelerAgreement("L1", 2, new Agreement.Fraction(3, 4), false),
                new Agreement.LabelerAgreement("L2", 2, new Agreement.Fraction(2, 4), true),
                new Agreement.LabelerAgreement("L3", 1, new Agreement.Fraction(1, 3), true)), others);
    }

    /** Fleiss (1971) as worked in Wikipedia's "Fleiss' kappa" article: 10 subjects, 14 raters, 5 categories. */
    @Test void fleissKappaTextbookExample() {
        long[][] counts = {
                {0, 0, 0, 0, 14}, {0, 2, 6, 4, 2}, {0, 0, 3, 5, 6}, {0, 3, 9, 2, 0}, {2, 2, 8, 1, 1},
                {7, 7, 0, 0, 0}, {3, 2, 6, 3, 0}, {2, 5, 3, 2, 2}, {6, 5, 2, 1, 0}, {0, 2, 2, 3, 7}};
        // P̄ = 0.378, P̄e = 0.213, κ = 0.210 in the article; exactly (0.3780220 − 0.2127551) / (1 − 0.2127551)
        assertEquals(0.20993070442195522, Agreement.fleissKappa(counts), 1e-12);
        assertEquals(0.210, Agreement.fleissKappa(counts), 5e-4);
        // perfect agreement is 1; all ratings in one category is undefined
        assertEquals(1.0, Agreement.fleissKappa(new long[][] {{3, 0}, {0, 3}}), 1e-12);
        assertTrue(Double.isNaN(Agreement.fleissKappa(new long[][] {{3, 0}, {3, 0}})));
    }

    /**
     * PandaLM's 999 comparisons. The figures were computed independently in Python straight from the
     * JSON file (annotator codes 1/2/0 as first/second/tie; τ-b for two responses is +1 when two annotators both
     * prefer the same response, −1 when they prefer different ones, undefined when either ties).
     */
    @Test void pandaLmFigures() throws IOException {
        ImportResult pandalm = new PandaLmImporter().importFile(DataSets.file("pandalm/testset-v1.json"));
        List<Judgement> js = pandalm.data().judgements();
        assertEquals(new Agreement.Fraction(2757, 2997), Agreement.pairwiseAgreement(js));
        assertEquals(0.8641753649975507, Agreement.fleissKappa(js), 1e-12);
        var tau = Agreement.meanKendallTau(js);
        assertEquals(0.8811428571428571, tau.get(new LabelerPair("annotator1", "annotator2")).mean(), 1e-12);
        assertEquals(875, tau.get(new LabelerPair("annotator1", "annotator2")).count());
        assertEquals(0.9111617312072893, tau.get(new LabelerPair("annotator1", "annotator3")).mean(), 1e-12);
        assertEquals(0.8915801614763552, tau.get(new LabelerPair("annotator2", "annotator3")).mean(), 1e-12);
        for (var a : Agreement.agreementWithConsensus(js, ConsensusMethod.BORDA, true, 0.6)) assertFalse(a.flagged());
    }
}
