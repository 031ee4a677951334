package rlhf4j.transformer.infer;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import rlhf4j.autograd.Grad;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.gpt2.Gpt2;
import rlhf4j.transformer.gpt2.GptConfig;
import rlhf4j.transformer.io.LlamaConfig;
import rlhf4j.transformer.io.RopeLayout;
import rlhf4j.transformer.llama.Llama;

/** The whole decoder, token by token through its cache, against the autograd model's full forward pass. */
class DecoderTest {
    static final int[] SEQ = {1, 40, 7, 33, 2, 90, 61, 5, 17, 3, 88, 12};

    static TransformerModel[] models() {
        return new TransformerModel[]{
                new Gpt2(new GptConfig(2, 4, 32, 64, 97, 0.0), 7),
                new Llama(new LlamaConfig(32, 45, 2, 4, 2, 97, 64, false, RopeLayout.INTERLEAVED, 1e-5f, 10000f), 3),
                new Llama(new LlamaConfig(48, 64, 2, 6, 3, 97, 64, true, RopeLayout.HALF_SPLIT, 1e-6f, 500000f), 4)};
    }

    @ParameterizedTest @ValueSource(booleans = {true, false})
    void stepLogitsEqualTheFullForwardPass(boolean vector) {
        for (TransformerModel m : models()) {
            Decoder d = m.decoder();
            int v = m.vocabSize();
            float[] full;
            try (var ng = Grad.off(); var s = MemoryScope.open()) {
                full = m.forward(Tensor.ofInts(SEQ, 1, SEQ.length), null).value().toFloatArray();   // (1, T, V)
            }
            DecodeScratch s = d.scratch(1, SEQ.length);
            StreamCache cache = d.newCache(SEQ.length);
            for (int t = 0; t < SEQ.length; t++) {
                s.set(0, SEQ[t], t, cache);
                d.forward(s, 0, 1, vector);
                for (int i = 0; i < v; i++)
                    assertEquals(full[t * v + i], s.logits[i], 1e-4, m + " position " + t + " token " + i);
            }
        }
    }

    @ParameterizedTest @ValueSource(booleans = {true, false})
    void rowsOfOneStepAreIndependentStreams(boolean vector) {
        TransformerModel m = models()[1];
        Decoder d = m.decoder();
        int v = m.vocabSize();
        // stream A is at position 3 (after three tokens), stream B at position 0: one step holds both
        StreamCache a = d.newCache(8), b = d.newCache(8), alone = d.newCache(8);
        DecodeScratch one = d.scratch(1, 8), two = d.scratch(2, 8);
        for (int t = 0; t < 3; t++) {
            one.set(0, SEQ[t], t, a);
            d.forward(one, 0, 1, vector);
        }
        two.set(0, SEQ[3], 3, a);
        two.set(1, SEQ[5], 0, b);
        d.forward(two, 0, 2, vector);
        one.set(0, SEQ[5], 0, alone);
        d.forward(one, 0, 1, vector);
        for (int i = 0; i < v; i++) assertEquals(one.logits[i], two.logits[v + i], 0f, "same code path, same bits");
    }

    @ParameterizedTest @ValueSource(booleans = {true, false})
    void aPositionPastTheCacheIsRefused(boolean vector) {
        Decoder d = models()[0].decoder();
        DecodeScratch s = d.scratch(1, 2);
        StreamCache c = d.newCache(2);
        s.set(0, 1, 2, c);
        assertThrows(IllegalStateException.class, () -> d.forward(s, 0, 1, vector));
        assertThrows(IllegalArgumentException.class, () -> d.newCache(65));
    }
}
