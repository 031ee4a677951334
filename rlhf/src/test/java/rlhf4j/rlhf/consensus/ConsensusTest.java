package rlhf4j.rlhf.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.ItemKey;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.feedback.Ranking;
import rlhf4j.rlhf.label.LabelItem;
import rlhf4j.rlhf.label.Labeler;
import rlhf4j.rlhf.label.RandomLabeler;
import rlhf4j.rlhf.label.SimulatedLabeler;
import rlhf4j.rlhf.label.SimulatedLabeling;
import rlhf4j.rlhf.oracle.TextScorer;

class ConsensusTest {

    @Test void bordaAndCopelandOnTheHandExample() {
        // see AgreementTest: a 5.5, b 2.5, c 1 (Borda); a beats b and c, b beats c (Copeland: 2, 1, 0)
        List<Ranking> item = AgreementTest.itemOne().stream().map(Judgement::ranking).toList();
        assertEquals(Map.of("a", 5.5, "b", 2.5, "c", 1.0), ConsensusMethod.BORDA.scores(item));
        assertEquals(Map.of("a", 2.0, "b", 1.0, "c", 0.0), ConsensusMethod.COPELAND.scores(item));
        assertEquals(Ranking.strict("a", "b", "c"), ConsensusMethod.BORDA.aggregate(item));
        assertEquals(Ranking.strict("a", "b", "c"), ConsensusMethod.COPELAND.aggregate(item));
    }

    @Test void bordaAndCopelandDisagreeWhereTheCondorcetWinnerIsPolarising() {
        // 3 labelers a > b > c, 2 labelers b > c > a.
        // Borda: a 3·2 + 0 = 6, b 3·1 + 2·2 = 7, c 0 + 2·1 = 2 → b > a > c.
        // Copeland: a beats b 3–2 and c 3–2, b beats c 5–0 → a 2, b 1, c 0 → a > b > c (a is the Condorcet winner).
        List<Ranking> votes = new ArrayList<>();
        for (int i = 0; i < 3; i++) votes.add(Ranking.strict("a", "b", "c"));
        for (int i = 0; i < 2; i++) votes.add(Ranking.strict("b", "c", "a"));
        assertEquals(Ranking.strict("b", "a", "c"), ConsensusMethod.BORDA.aggregate(votes));
        assertEquals(Ranking.strict("a", "b", "c"), ConsensusMethod.COPELAND.aggregate(votes));
    }

    @Test void undecidedItemsTie() {
        // a Condorcet cycle a > b > c > a: every Copeland score 1, every Borda score 3 → all tied
        List<Ranking> cycle = List.of(Ranking.strict("a", "b", "c"), Ranking.strict("b", "c", "a"), Ranking.strict("c", "a", "b"));
        var allTied = new Ranking(List.of(List.of("a", "b", "c")));
        assertEquals(allTied, ConsensusMethod.BORDA.aggregate(cycle));
        assertEquals(allTied, ConsensusMethod.COPELAND.aggregate(cycle));
        // two opposite votes on a pair: a tie in both
        var pair = List.of(Ranking.strict("x", "y"), Ranking.strict("y", "x"));
        assertEquals(new Ranking(List.of(List.of("x", "y"))), ConsensusMethod.COPELAND.aggregate(pair));
    }

    /**
     * Nine noisy simulated labelers (Bradley-Terry temperatures 0.5 to 1.5 on oracle scores 0, 1, ..., 5, so that
     * neighbours are swapped with probability σ(−1/T), 12% to 34%) and one random labeler judge 40 prompts of 6
     * completions each. The consensus recovers the true order on most items and is much closer to it than any single
     * labeler, and the random labeler alone falls below the flag threshold.
     */
    @Test void consensusRecoversTheTruthFromNoisyLabelersAndFlagsTheRandomOne() {
        // the oracle reads the true quality from the text: "q3 ..." has score 3
        TextScorer oracle = text -> Double.parseDouble(text.substring(1, text.indexOf(' ')));
        List<LabelItem> items = new ArrayList<>();
        Map<ItemKey, Ranking> truth = new java.util.HashMap<>();
        for (int p = 0; p < 40; p++) {
            String promptId = "p" + p;
            List<Completion> completions = new ArrayList<>();
            String[] bestFirst = new String[6];
            // qualities scrambled over ids and positions, so that neither says anything about quality
            for (int k = 0; k < 6; k++) {
                int quality = (k * 5 + p) % 6;
                completions.add(new Completion(promptId + "-c" + k, promptId, "q" + quality + " answer"));
                bestFirst[5 - quality] = promptId + "-c" + k;
            }
            items.add(new LabelItem(new Prompt(promptId, "prompt " + p), completions));
            truth.put(ItemKey.of("quality", promptId, List.of(bestFirst)), Ranking.strict(bestFirst));
        }
        List<Labeler> labelers = new ArrayList<>();
        double[] temperatures = {0.5, 0.625, 0.75, 0.875, 1.0, 1.125, 1.25, 1.375, 1.5};
        for (int i = 0; i < temperatures.length; i++) {
            labelers.add(new SimulatedLabeler("noisy-" + i, "quality", oracle, temperatures[i], 100 + i));
        }
        labelers.add(new RandomLabeler("random", "quality", 7));
        List<Judgement> judgements = SimulatedLabeling.label(items, labelers);
        assertEquals(40 * 10, judgements.size());

        for (ConsensusMethod method : ConsensusMethod.values()) {
            Map<ItemKey, Ranking> consensus = Consensus.rankings(judgements, method);
            assertEquals(40, consensus.size());
            int exact = 0;
            double consensusTau = 0;
            for (var e : consensus.entrySet()) {
                Ranking right = truth.get(e.getKey());
                if (e.getValue().equals(right)) exact++;
                consensusTau += Agreement.kendallTauB(e.getValue(), right) / consensus.size();
            }
            // the best single labeler (T = 0.5) for comparison
            double bestSingle = judgements.stream().filter(j -> j.labelerId().equals("noisy-0"))
                    .mapToDouble(j -> Agreement.kendallTauB(j.ranking(), truth.get(j.item()))).average().orElseThrow();
            // measured: best labeler 0.89; Borda 0.987 with 33 of 40 exact, Copeland 0.990 with 36 of 40
            assertTrue(bestSingle > 0.8 && bestSingle < 0.95, "best single labeler's mean τ-b " + bestSingle);
            assertTrue(consensusTau > 0.97, method + ": mean τ-b of the consensus with the truth " + consensusTau);
            assertTrue(exact >= 30, method + ": " + exact + " of 40 consensus rankings exactly right");

            var agreement = Agreement.agreementWithConsensus(judgements, method, true, 0.6);
            for (var a : agreement) {
                assertEquals(a.labeler().equals("random"), a.flagged(), a.toString());
            }
            var random = agreement.stream().filter(a -> a.labeler().equals("random")).findFirst().orElseThrow();
            // a random order agrees with a fixed one on half the pairs
            assertEquals(0.5, random.withConsensus().value(), 0.1, random.toString());
        }
        // Fleiss' κ is clearly positive but far from 1 with this much noise (measured 0.485)
        double kappa = Agreement.fleissKappa(judgements);
        assertTrue(kappa > 0.35 && kappa < 0.65, "kappa " + kappa);
        assertFalse(Double.isNaN(Agreement.overallKendallTau(Agreement.meanKendallTau(judgements)).mean()));
    }
}
