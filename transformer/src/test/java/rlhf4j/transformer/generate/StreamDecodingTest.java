package rlhf4j.transformer.generate;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import rlhf4j.tensor.CounterRng;
import rlhf4j.transformer.TransformerModel;

/** The rollout engine: batched streams of mixed lengths equal streams decoded alone, and stop on their own. */
class StreamDecodingTest {
    static final int[][] MIXED = {{1, 403, 407, 261, 378, 15, 395, 365, 261}, {1}, {1, 403, 407}, {1, 261, 378, 15, 395},
            {1, 437}, {1, 403, 407, 261, 378, 15}};

    @Test void batchedGreedyEqualsEachStreamAlone() throws Exception {
        TransformerModel m = GeneratorTest.stories();
        SamplingConfig greedy = SamplingConfig.greedy(30, 1);
        Generation batched = new Generator(m).generate(MIXED, greedy, 7);
        for (int r = 0; r < MIXED.length; r++) {
            Generation alone = new Generator(m).generate(new int[][]{MIXED[r]}, greedy, new long[]{CounterRng.bits(7, r)}, null);
            assertArrayEquals(alone.tokens()[0], batched.tokens()[r], "row " + r);
            assertArrayEquals(alone.logProbs()[0], batched.logProbs()[r], 0f, "row " + r + ": same code path, same bits");
        }
    }

    @Test void sampledBatchEqualsEachStreamAloneToo() throws Exception {
        TransformerModel m = GeneratorTest.stories();
        SamplingConfig cfg = new SamplingConfig(0.9, 40, 0.95, 25, 1);
        Generation batched = new Generator(m).generate(MIXED, cfg, 11);
        for (int r = 0; r < MIXED.length; r++) {
            Generation alone = new Generator(m).generate(new int[][]{MIXED[r]}, cfg, new long[]{CounterRng.bits(11, r)}, null);
            assertArrayEquals(alone.tokens()[0], batched.tokens()[r], "row " + r);
        }
    }

    @Test void aStreamStopsAtItsStopTokenAndTheOthersGoOnUnchanged() {
        TransformerModel m = GeneratorTest.gpt();
        Generation free = new Generator(m).generate(GeneratorTest.GPT_PROMPTS, SamplingConfig.greedy(20, -1), 0);
        int stop = free.tokens()[0][2];                                  // row 0 emits it at its third token
        Generation stopped = new Generator(m).generate(GeneratorTest.GPT_PROMPTS, SamplingConfig.greedy(20, stop), 0);
        boolean someRowRanOn = false, someRowStopped = false;
        for (int r = 0; r < GeneratorTest.GPT_PROMPTS.length; r++) {
            int[] all = free.tokens()[r], got = stopped.tokens()[r];
            int first = 0;
            while (first < all.length && all[first] != stop) first++;
            int expectedLength = Math.min(first + 1, all.length);
            assertArrayEquals(java.util.Arrays.copyOf(all, expectedLength), got, "row " + r);
            someRowRanOn |= got.length == 20;
            someRowStopped |= got.length < 20;
        }
        assertTrue(someRowStopped && someRowRanOn, "one row stopped early while another ran to the end");
    }

    @Test void decoderAndAutogradGenerationAgree() throws Exception {
        for (TransformerModel m : new TransformerModel[]{GeneratorTest.gpt(), GeneratorTest.stories()}) {
            int[][] prompts = m.vocabSize() == 512 ? MIXED : GeneratorTest.GPT_PROMPTS;
            SamplingConfig greedy = SamplingConfig.greedy(20, -1);
            Generation fast = new Generator(m).generate(prompts, greedy, 3), reference = new Generator(m, false).generate(prompts, greedy, 3);
            for (int r = 0; r < prompts.length; r++) {
                // different kernels round differently (~1e-6): tokens can only differ at a tie that close
                assertArrayEquals(reference.tokens()[r], fast.tokens()[r], "row " + r);
                assertArrayEquals(reference.logProbs()[r], fast.logProbs()[r], 1e-4f, "row " + r);
            }
        }
    }

    @Test void theListenerHearsEveryTokenOfEveryStreamInOrder() throws Exception {
        TransformerModel m = GeneratorTest.stories();
        long[] seeds = {1, 2, 3, 4, 5, 6};
        java.util.List<java.util.List<Integer>> heard = new java.util.ArrayList<>();
        for (int r = 0; r < MIXED.length; r++) heard.add(new java.util.ArrayList<>());
        Generation g = new Generator(m).generate(MIXED, SamplingConfig.sample(1.0, 12, 1), seeds, (row, tok) -> heard.get(row).add(tok));
        for (int r = 0; r < MIXED.length; r++)
            assertArrayEquals(g.tokens()[r], heard.get(r).stream().mapToInt(Integer::intValue).toArray(), "row " + r);
    }
}
