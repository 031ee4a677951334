package rlhf4j.rlhf.ppo;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import rlhf4j.autograd.Variable;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.transformer.generate.Generation;
import rlhf4j.transformer.generate.Generator;
import rlhf4j.transformer.generate.SamplingConfig;
import rlhf4j.transformer.llama.Llama;

class CompletionLogProbsTest {
    @Test void learnerLogProbsMatchTheSamplerOnlyAtTheSameTemperature() {
        Llama model = new Llama(Toy.CONFIG, 5);
        int[][] prompts = {{0, 3}, {0}};
        Generation g = new Generator(model).generate(prompts, SamplingConfig.sample(0.5, 6, -1), 11);
        try (MemoryScope s = MemoryScope.open()) {
            Generation.Batch b = g.batch(0);
            Variable logits = model.forward(b.ids(), b.mask());                                  // (2, T, V)
            Tensor completion = b.ids().narrow(1, b.promptLength(), b.completionLength()).contiguous();
            float[] same = CompletionLogProbs.gather(CompletionLogProbs.completionLogits(logits, b.promptLength(), b.completionLength(), 0.5)
                    .logSoftmax(), completion).value().toFloatArray();
            float[] wrong = CompletionLogProbs.gather(CompletionLogProbs.completionLogits(logits, b.promptLength(), b.completionLength(), 1.0)
                    .logSoftmax(), completion).value().toFloatArray();
            int n = b.completionLength();
            double worstWrong = 0;
            for (int r = 0; r < 2; r++)
                for (int i = 0; i < g.tokens()[r].length; i++) {
                    assertEquals(g.logProbs()[r][i], same[r * n + i], 1e-4, "row " + r + " token " + i);
                    worstWrong = Math.max(worstWrong, Math.abs(g.logProbs()[r][i] - wrong[r * n + i]));
                }
            // the same numbers as the transformer module's log-probs of all next tokens, at the completion's columns
            float[] all = rlhf4j.transformer.generate.TokenLogProbs.of(logits, b.ids(), 0.5).value().toFloatArray();   // (2, T − 1)
            int t1 = b.ids().size(1) - 1;
            for (int r = 0; r < 2; r++)
                for (int i = 0; i < n; i++) assertEquals(all[r * t1 + b.promptLength() - 1 + i], same[r * n + i], 1e-6);
            assertTrue(worstWrong > 0.01, "log-probs at τ = 1 should differ from those sampled at τ = 0.5: " + worstWrong);
        }
    }

    @Test void entropyOfAUniformRowIsLogV() {
        try (MemoryScope s = MemoryScope.open()) {
            Variable logp = Variable.constant(Tensor.of(new float[]{0, 0, 0, 0, 5, 0, 0, 0}, 1, 2, 4)).logSoftmax();
            float[] h = CompletionLogProbs.entropy(logp).value().toFloatArray();
            assertEquals(Math.log(4), h[0], 1e-6);
            double p = Math.exp(5) / (Math.exp(5) + 3), q = 1 / (Math.exp(5) + 3);
            assertEquals(-(p * Math.log(p) + 3 * q * Math.log(q)), h[1], 1e-5);
        }
    }
}
