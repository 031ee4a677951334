package rlhf4j.transformer.generate;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.Policy;
import rlhf4j.transformer.data.DataSets;
import rlhf4j.transformer.tokenizer.LlamaTokenizer;

/** run.c-style text generation: its step budget, its stop, its text against an independent greedy decode. */
class TextGenerationTest {
    static Policy stories() throws Exception {
        return Policy.load(DataSets.file("stories260k/stories260K.bin"), null, Device.CPU);
    }

    static TextGeneration.Config greedy(String prompt, int steps) {
        return new TextGeneration.Config(prompt, SamplingConfig.greedy(1, -1), 0, steps);
    }

    @Test void stepsCountThePromptAndTheLastTokenIsPrintedNotFed() throws Exception {
        Policy policy = stories();
        var out = new ByteArrayOutputStream();
        TextGeneration.Result r = TextGeneration.run(policy, greedy("Once upon a time", 20), out);
        int prompt = ((LlamaTokenizer) policy.tokenizer()).encode("Once upon a time", true, false).length;
        assertEquals(prompt, r.promptTokens());
        assertEquals(20 - prompt + 1, r.generatedTokens());            // positions prompt..19 each yield one token
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("Once upon a time"));
        assertTrue(r.tokensPerSecond() > 0);
    }

    @Test void greedyTextIsTheGeneratorsGreedyTokens() throws Exception {
        Policy policy = stories();
        var out = new ByteArrayOutputStream();
        TextGeneration.run(policy, greedy("", 40), out);
        int[] bos = {1};
        Generation g = new Generator(policy.model()).generate(new int[][]{bos}, SamplingConfig.greedy(40, 1), 0);
        var tok = (LlamaTokenizer) policy.tokenizer();
        StringBuilder expected = new StringBuilder();
        int prev = 1;
        for (int t : g.tokens()[0]) {
            if (t == 1) break;
            expected.append(new String(tok.decodePiece(prev, t), StandardCharsets.UTF_8));
            prev = t;
        }
        String text = out.toString(StandardCharsets.UTF_8).strip();
        assertEquals(expected.toString().strip(), text);
    }

    @Test void aPromptLongerThanTheStepsIsRefused() throws Exception {
        var e = assertThrows(IllegalArgumentException.class,
                () -> TextGeneration.run(stories(), greedy("Once upon a time there was", 3), new ByteArrayOutputStream()));
        assertTrue(e.getMessage().contains("more than the 3 steps"), e.getMessage());
    }
}
