package rlhf4j.transformer.train;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import rlhf4j.autograd.Parameter;
import rlhf4j.autograd.Variable;
import rlhf4j.autograd.dist.DataParallel;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.dist.Collective;
import rlhf4j.tensor.dist.MpiRun;
import rlhf4j.tensor.dist.SingleRank;
import rlhf4j.transformer.gpt2.Gpt2;

/**
 * Data-parallel causal-LM training: two ranks under mpirun against one process with the same global batch, and
 * checkpoints crossing between 1 and 2 ranks. The multi-rank tests skip where Open MPI is not installed.
 */
class ParallelTrainingTest {
    static final double LOSS_TOL = 1e-4, WEIGHT_TOL = 2e-4;

    private static void requireMpi() {
        String why = MpiRun.unavailableReason();
        assumeTrue(why == null, () -> "Open MPI is not usable here: " + why);
    }

    private static ParallelTrainChild.Outcome twoRanks(List<String> args) throws Exception {
        MpiRun.Result p = MpiRun.run(2, ParallelTrainChild.class.getName(), args, 180);
        assertFalse(p.timedOut(), "the 2-rank run hung: " + p.output());
        assertEquals(0, p.exitCode(), p.output());
        for (int r = 0; r < 2; r++) assertTrue(p.output().contains("rank " + r + " of 2 identical weights: true"), p.output());
        return ParallelTrainChild.read(Path.of(args.get(1)));
    }

    private static ParallelTrainChild.Outcome oneRank(String mode, int steps, Path ckpt, boolean save, boolean resume)
            throws Exception {
        CausalLmTrainer t = ParallelTrainChild.trainer(SingleRank.INSTANCE, mode, ckpt, resume);
        return ParallelTrainChild.run(t, steps, ckpt, save);
    }

    private static void assertClose(ParallelTrainChild.Outcome want, ParallelTrainChild.Outcome got) {
        assertEquals(want.losses().size(), got.losses().size());
        for (int i = 0; i < want.losses().size(); i++)
            assertEquals(want.losses().get(i), got.losses().get(i), LOSS_TOL * Math.abs(want.losses().get(i)), "loss of step " + (i + 1));
        assertEquals(want.val(), got.val(), LOSS_TOL * want.val(), "val loss");
        assertEquals(want.weights().keySet(), got.weights().keySet());
        for (String k : want.weights().keySet()) assertArrayEquals(want.weights().get(k), got.weights().get(k), (float) WEIGHT_TOL, k);
    }

    @ParameterizedTest @ValueSource(strings = {"sft", "pretrain"})
    void twoRanksFollowTheSingleProcessLossCurveAndEndWithItsWeights(String mode, @TempDir Path dir) throws Exception {
        requireMpi();
        ParallelTrainChild.Outcome one = oneRank(mode, 5, null, false, false);
        ParallelTrainChild.Outcome two = twoRanks(List.of(mode, dir.resolve("two.txt").toString(), "5"));
        assertClose(one, two);
        assertTrue(one.losses().get(4) < one.losses().get(0), "the run learns: " + one.losses());
    }

    @Test void aTwoRankCheckpointResumesOnOneRankAndTheReverse(@TempDir Path dir) throws Exception {
        requireMpi();
        ParallelTrainChild.Outcome straight = oneRank("sft", 5, null, false, false);
        Path a = dir.resolve("a"), b = dir.resolve("b");
        twoRanks(List.of("sft", dir.resolve("first.txt").toString(), "3", a.toString(), "save"));
        ParallelTrainChild.Outcome resumedOnOne = oneRank("sft", 2, a, false, true);
        oneRank("sft", 3, b, true, false);
        ParallelTrainChild.Outcome resumedOnTwo = twoRanks(List.of("sft", dir.resolve("second.txt").toString(), "2",
                b.toString(), "resume"));
        ParallelTrainChild.Outcome tail = new ParallelTrainChild.Outcome(straight.losses().subList(3, 5), straight.val(),
                straight.weights());
        assertClose(tail, resumedOnOne);
        assertClose(tail, resumedOnTwo);
    }

    /** Gradients accumulated into the all-reduce buckets' views equal the plain ones (one rank: no reduction). */
    @Test void bucketViewsHoldTheSameGradients() {
        Gpt2 plain = new Gpt2(CausalLmTrainerTest.TINY, 3), bucketed = new Gpt2(CausalLmTrainerTest.TINY, 3);
        DataParallel dp = new DataParallel(SingleRank.INSTANCE, bucketed.namedParameters(), 2000);
        assertTrue(dp.bucketCount() > 3, "small buckets split the model: " + dp.bucketCount());
        Batch batch = new TokenWindows(CausalLmTrainerTest.corpus(300), 4, 8, 1).batch(0);
        for (Gpt2 m : List.of(plain, bucketed)) {
            CausalLmTrainer t = new CausalLmTrainer(m, ParallelTrainChild.config(), null, Map.of(), SingleRank.INSTANCE);
            for (int pass = 0; pass < 2; pass++)                                 // the second pass accumulates
                try (MemoryScope s = MemoryScope.open()) {
                    Variable loss = t.loss(batch);
                    loss.backward();
                }
        }
        dp.reduceGradients(Collective.Op.SUM);
        Map<String, Parameter> want = plain.namedParameters(), got = bucketed.namedParameters();
        for (String k : want.keySet())
            assertArrayEquals(want.get(k).grad().toFloatArray(), got.get(k).grad().toFloatArray(), 1e-6f, k);
    }

    @Test void sharesCoverTheBatchOnce() {
        for (int n : new int[]{1, 4, 7, 12})
            for (int size : new int[]{1, 2, 3, 5}) {
                List<Integer> rows = new ArrayList<>();
                for (int r = 0; r < size; r++) {
                    DataParallel.Share s = DataParallel.share(n, r, size);
                    for (int i = s.start(); i < s.end(); i++) rows.add(i);
                    assertTrue(s.count() == n / size || s.count() == n / size + 1);
                }
                assertEquals(java.util.stream.IntStream.range(0, n).boxed().toList(), rows);
            }
    }
}
