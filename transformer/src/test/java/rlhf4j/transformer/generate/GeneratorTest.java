package rlhf4j.transformer.generate;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import rlhf4j.autograd.Grad;
import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.gpt2.Gpt2;
import rlhf4j.transformer.gpt2.GptConfig;
import rlhf4j.transformer.llama.Llama;
import rlhf4j.transformer.data.DataSets;

/** What PPO relies on: generation's log-probs are those of a full forward pass; batching changes nothing. */
class GeneratorTest {
    static final int[][] GPT_PROMPTS = {{5, 17, 3}, {42}, {7, 7, 8, 9, 60, 61, 2}, {11, 12}};
    static final int[][] STORY_PROMPTS = {{1, 403, 407}, {1}, {1, 403, 407, 261, 378, 15, 395}, {1, 261, 378}};

    static TransformerModel gpt() { return new Gpt2(new GptConfig(2, 4, 32, 64, 97, 0.0), 7); }

    static TransformerModel stories() throws Exception { return Llama.fromLlama2c(DataSets.file("stories260k/stories260K.bin")); }

    @Test void gpt2LogProbsEqualAFullForwardPass() {
        TransformerModel m = gpt();
        checkAgainstFullForward(m, GPT_PROMPTS, new SamplingConfig(1.0, 0, 1.0, 12, 3));
        checkAgainstFullForward(m, GPT_PROMPTS, new SamplingConfig(0.7, 20, 0.9, 12, -1));
        checkAgainstFullForward(m, GPT_PROMPTS, SamplingConfig.greedy(12, -1));
    }

    @Test void storiesLogProbsEqualAFullForwardPass() throws Exception {
        TransformerModel m = stories();
        checkAgainstFullForward(m, STORY_PROMPTS, new SamplingConfig(1.0, 0, 1.0, 20, 1));
        checkAgainstFullForward(m, STORY_PROMPTS, new SamplingConfig(0.8, 30, 0.95, 20, 1));
    }

    @Test void tokenLogProbsWithGradientEqualGenerationsAtTheCompletion() {
        TransformerModel m = gpt();
        Generation g = new Generator(m).generate(GPT_PROMPTS, SamplingConfig.sample(0.8, 9, -1), 11);
        try (var s = MemoryScope.open()) {
            Generation.Batch batch = g.batch(0);
            rlhf4j.autograd.Variable lp = TokenLogProbs.of(m.forward(batch.ids(), batch.mask()), batch.ids(), 0.8);   // (B, T−1)
            assertArrayEquals(new int[]{GPT_PROMPTS.length, batch.promptLength() + batch.completionLength() - 1}, lp.shape());
            for (int r = 0; r < GPT_PROMPTS.length; r++)
                for (int i = 0; i < g.tokens()[r].length; i++)
                    assertEquals(g.logProbs()[r][i], lp.value().get(r, batch.promptLength() - 1 + i), 1e-4);
            lp.sum().backward();
            assertNotNull(((Gpt2) m).wte.weight.grad());
        }
    }

    @Test void batchedGenerationEqualsOnePromptAtATime() throws Exception {
        for (TransformerModel m : new TransformerModel[]{gpt(), stories()}) {
            int[][] prompts = m instanceof Gpt2 ? GPT_PROMPTS : STORY_PROMPTS;
            for (SamplingConfig cfg : new SamplingConfig[]{SamplingConfig.greedy(15, -1), new SamplingConfig(0.9, 40, 0.9, 15, 1)}) {
                Generation batched = new Generator(m).generate(prompts, cfg, 1234);
                for (int r = 0; r < prompts.length; r++) {
                    Generation alone = new Generator(m).generate(new int[][]{prompts[r]}, cfg,
                            new long[]{CounterRng.bits(1234, r)}, null);
                    // other GEMM shapes round the logits differently (~1e-6), which changes a token only at a tie that
                    // close: tokens are compared exactly, their log-probs within float tolerance
                    assertArrayEquals(alone.tokens()[0], batched.tokens()[r], "row " + r);
                    assertArrayEquals(alone.logProbs()[0], batched.logProbs()[r], 1e-4f, "row " + r);
                }
            }
        }
    }

    @Test void sameSeedSameTokensAndStopTokenEndsARow() {
        TransformerModel m = gpt();
        SamplingConfig cfg = new SamplingConfig(1.5, 0, 1.0, 30, 3);
        Generation a = new Generator(m).generate(GPT_PROMPTS, cfg, 99), b = new Generator(m).generate(GPT_PROMPTS, cfg, 99);
        Generation c = new Generator(m).generate(GPT_PROMPTS, cfg, 100);
        boolean differs = false;
        for (int r = 0; r < GPT_PROMPTS.length; r++) {
            assertArrayEquals(a.tokens()[r], b.tokens()[r]);
            differs |= !java.util.Arrays.equals(a.tokens()[r], c.tokens()[r]);
            int[] t = a.tokens()[r];
            for (int i = 0; i < t.length - 1; i++) assertNotEquals(3, t[i], "the stop token ends the row");
            assertTrue(t.length == 30 || t[t.length - 1] == 3);
        }
        assertTrue(differs, "another seed draws other tokens");
    }

    @Test void dropoutIsOffWhileGeneratingAndTheModeIsRestored() {
        Gpt2 withDropout = new Gpt2(new GptConfig(2, 4, 32, 64, 97, 0.5), 7);
        Gpt2 without = new Gpt2(new GptConfig(2, 4, 32, 64, 97, 0.0), 7);
        SamplingConfig cfg = new SamplingConfig(1.0, 0, 1.0, 10, -1);
        Generation a = new Generator(withDropout).generate(GPT_PROMPTS, cfg, 3), b = new Generator(without).generate(GPT_PROMPTS, cfg, 3);
        for (int r = 0; r < GPT_PROMPTS.length; r++) assertArrayEquals(b.logProbs()[r], a.logProbs()[r], 1e-6f);
        assertTrue(withDropout.isTraining());
    }

    @Test void generationLeavesNoMemoryBehindAndReusesItsBlocks() throws Exception {
        TransformerModel m = stories();
        SamplingConfig cfg = new SamplingConfig(1.0, 0, 1.0, 40, -1);
        new Generator(m).generate(STORY_PROMPTS, cfg, 1);                       // warm the allocator's cache
        long live = rlhf4j.tensor.cpu.CpuAllocator.liveBytes(), mallocs = rlhf4j.tensor.cpu.CpuAllocator.mallocCalls();
        new Generator(m).generate(STORY_PROMPTS, cfg, 1);
        assertTrue(rlhf4j.tensor.cpu.CpuAllocator.liveBytes() <= live, "every step's memory and the cache are freed");
        assertEquals(mallocs, rlhf4j.tensor.cpu.CpuAllocator.mallocCalls(), "a second run allocates nothing new");
    }

    @Test void promptLongerThanTheContextIsRejected() {
        TransformerModel m = gpt();
        int[][] prompts = {new int[60]};
        var e = assertThrows(IllegalArgumentException.class,
                () -> new Generator(m).generate(prompts, SamplingConfig.greedy(10, -1), 0));
        assertTrue(e.getMessage().contains("context length is 64"), e.getMessage());
    }

    /** Each generated token's log-prob equals the processed log-softmax of a full forward pass at its position. */
    static void checkAgainstFullForward(TransformerModel m, int[][] prompts, SamplingConfig cfg) {
        Generation g = new Generator(m).generate(prompts, cfg, 5);
        int v = m.vocabSize();
        try (var ng = Grad.off(); var s = MemoryScope.open()) {
            Generation.Batch batch = g.batch(0);
            float[] logits = m.forward(batch.ids(), batch.mask()).value().toFloatArray();     // (B, P+N, V)
            int t = batch.promptLength() + batch.completionLength();
            Sampler sampler = new Sampler(cfg, v);
            float[] logp = new float[v];
            int checked = 0;
            for (int r = 0; r < prompts.length; r++)
                for (int i = 0; i < g.tokens()[r].length; i++) {
                    int col = batch.promptLength() - 1 + i;
                    sampler.logProbs(logits, (r * t + col) * v, logp);
                    assertEquals(logp[g.tokens()[r][i]], g.logProbs()[r][i], 1e-4, "row " + r + " token " + i);
                    if (cfg.isGreedy()) {
                        int best = 0;
                        for (int j = 1; j < v; j++) if (logits[(r * t + col) * v + j] > logits[(r * t + col) * v + best]) best = j;
                        assertEquals(best, g.tokens()[r][i]);
                    }
                    checked++;
                }
            assertTrue(checked >= prompts.length * 2, "checked " + checked);
        }
    }
}
