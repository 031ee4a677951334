package rlhf4j.rlhf.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.rlhf.consensus.PreferenceGroup.IndexPair;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Jsonl;
import rlhf4j.rlhf.feedback.JsonlWriter;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.feedback.Ranking;

class PreferencePairsTest {
    @TempDir Path dir;

    @Test void fourCompletionsGiveSixPairsAndTiesRemovePairs() {
        assertEquals(List.of(
                        new PreferencePair("a", "b"), new PreferencePair("a", "c"), new PreferencePair("a", "d"),
                        new PreferencePair("b", "c"), new PreferencePair("b", "d"), new PreferencePair("c", "d")),
                PreferencePair.of(Ranking.strict("a", "b", "c", "d")));
        // a = b > c > d: C(4,2) − C(2,2) = 5 pairs, none between a and b
        assertEquals(List.of(
                        new PreferencePair("a", "c"), new PreferencePair("b", "c"), new PreferencePair("a", "d"),
                        new PreferencePair("b", "d"), new PreferencePair("c", "d")).stream().sorted(ORDER).toList(),
                PreferencePair.of(Ranking.of(new String[] {"a", "b"}, new String[] {"c"}, new String[] {"d"}))
                        .stream().sorted(ORDER).toList());
        // a = b > c = d: 6 − 1 − 1 = 4 pairs
        assertEquals(4, PreferencePair.of(Ranking.of(new String[] {"a", "b"}, new String[] {"c", "d"})).size());
        // K = 9 without ties: C(9,2) = 36
        assertEquals(36, PreferencePair.of(Ranking.strict("1", "2", "3", "4", "5", "6", "7", "8", "9")).size());
        assertEquals(0, PreferencePair.of(Ranking.of(new String[] {"a", "b", "c"})).size());
    }

    static final java.util.Comparator<PreferencePair> ORDER =
            java.util.Comparator.comparing(PreferencePair::winner).thenComparing(PreferencePair::loser);

    @Test void groupsHoldEachCompletionOnceAndIndexPairs() throws IOException {
        Prompt p = new Prompt("p1", "Write a haiku.");
        List<Completion> cs = List.of(new Completion("c1", "p1", "one"), new Completion("c2", "p1", "two"),
                new Completion("c3", "p1", "three"), new Completion("c4", "p1", "four"));
        var data = new FeedbackData(List.of(p), cs, List.of(
                Judgement.of("alice", "helpfulness", "p1", Ranking.of(new String[] {"c3"}, new String[] {"c1", "c4"},
                        new String[] {"c2"}), null),
                Judgement.of("bob", "helpfulness", "p1", Ranking.strict("c3", "c4", "c1", "c2"), null),
                Judgement.of("carol", "helpfulness", "p1", Ranking.of(new String[] {"c1", "c2", "c3", "c4"}), null)));

        List<PreferenceGroup> perJudgement = PreferenceGroups.perJudgement(data);
        assertEquals(2, perJudgement.size());  // carol tied everything: no pairs, no group
        PreferenceGroup alice = perJudgement.get(0);
        assertEquals("alice", alice.source());
        assertEquals(cs, alice.completions());
        // c3 > {c1, c4} > c2 with indices c1=0 c2=1 c3=2 c4=3: 6 − 1 = 5 pairs
        assertEquals(List.of(new IndexPair(2, 0), new IndexPair(2, 3), new IndexPair(2, 1), new IndexPair(0, 1),
                new IndexPair(3, 1)), alice.pairs());
        assertEquals(6, perJudgement.get(1).pairs().size());

        // Borda: c1 1.5+1+1.5 = 4, c2 0+0+1.5 = 1.5, c3 3+3+1.5 = 7.5, c4 1.5+2+1.5 = 5 → c3 > c4 > c1 > c2
        List<PreferenceGroup> consensus = PreferenceGroups.consensus(data, ConsensusMethod.BORDA);
        assertEquals(1, consensus.size());
        assertEquals("consensus:borda", consensus.get(0).source());
        assertEquals(List.of(new IndexPair(2, 3), new IndexPair(2, 0), new IndexPair(2, 1), new IndexPair(3, 0),
                new IndexPair(3, 1), new IndexPair(0, 1)), consensus.get(0).pairs());

        Path file = dir.resolve("groups.jsonl");
        JsonlWriter.appendAll(file, PreferenceGroup.JSON, perJudgement);
        assertEquals(perJudgement, Jsonl.read(file, PreferenceGroup.JSON));

        assertThrows(IllegalArgumentException.class,
                () -> PreferenceGroup.of("x", "h", p, cs.subList(0, 2), Ranking.strict("c1", "c3")));
    }
}
