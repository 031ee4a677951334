package rlhf4j.tensor.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import rlhf4j.tensor.Tensor;

/** Collectives with two real ranks under mpirun (skipped where Open MPI is not installed), and the single rank. */
class MpiCollectiveTest {

    private static void requireMpi() {
        String why = MpiRun.unavailableReason();
        assumeTrue(why == null, () -> "Open MPI is not usable here: " + why);
    }

    @Test void everyCollectiveMatchesItsDefinitionOnTwoAndThreeRanks() throws Exception {
        requireMpi();
        for (int ranks : new int[]{2, 3}) {
            MpiRun.Result p = MpiRun.run(ranks, CollectiveCheck.class.getName(), List.of(), 120);
            assertFalse(p.timedOut(), p.output());
            assertEquals(0, p.exitCode(), p.output());
            for (int r = 0; r < ranks; r++) assertTrue(p.output().contains("rank " + r + " of " + ranks + ": ok"), p.output());
        }
    }

    @Test void aRankThatThrowsEndsTheWholeJobWithItsMessage() throws Exception {
        requireMpi();
        long t0 = System.nanoTime();
        MpiRun.Result p = MpiRun.run(2, AbortCheck.class.getName(), List.of(), 60);
        assertFalse(p.timedOut(), "the job hung: " + p.output());
        assertNotEquals(0, p.exitCode(), p.output());
        assertTrue(p.output().contains("rank 1 of 2: rank-failure-marker: bad batch 7"), p.output());
        assertFalse(p.output().contains("passed the barrier"), p.output());
        assertTrue((System.nanoTime() - t0) / 1e9 < 60);
    }

    @Test void singleRankCollectivesAreTheIdentity() {
        Collective one = SingleRank.INSTANCE;
        Tensor t = Tensor.of(1f, -2f, 3.5f);
        one.allReduce(t, Collective.Op.AVERAGE);
        assertEquals(List.of(1f, -2f, 3.5f), List.of(t.get(0), t.get(1), t.get(2)));
        Tensor all = one.allGather(t);
        assertEquals(3, all.numel());
        assertEquals(3.5f, all.get(2));
        assertEquals("ab", new String(one.scatter(List.of("ab".getBytes()), 0)));
        assertEquals(1, one.gather("x".getBytes(), 0).size());
    }

    @Test void launchIsDetectedFromTheLaunchersEnvironment() {
        assertEquals(0, Collectives.launchedRanks(Map.of()));
        assertEquals(4, Collectives.launchedRanks(Map.of("OMPI_COMM_WORLD_SIZE", "4")));
        assertEquals(8, Collectives.launchedRanks(Map.of("PMIX_RANK", "3", "PMIX_SIZE", "8")));
        assertEquals(1, Collectives.launchedRanks(Map.of("PMIX_RANK", "0")));
    }
}
