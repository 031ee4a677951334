package rlhf4j.transformer.gpt2;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rlhf4j.autograd.Functional;
import rlhf4j.autograd.Grad;
import rlhf4j.autograd.Variable;
import rlhf4j.autograd.optim.AdamW;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.io.Safetensors;
import rlhf4j.transformer.io.FileFormatException;

class Gpt2Test {
    static final GptConfig SMALL = new GptConfig(2, 4, 32, 16, 50, 0.0);
    static final int[] SEQ = {3, 14, 15, 9, 2, 6, 5, 35};

    @Test void parameterNamesAndLayoutsAreHuggingFaces() {
        Gpt2 m = new Gpt2(SMALL, 1);
        Map<String, Tensor> s = m.stateDict();
        assertArrayEquals(new int[]{50, 32}, s.get("wte.weight").shape());
        assertArrayEquals(new int[]{16, 32}, s.get("wpe.weight").shape());
        assertArrayEquals(new int[]{32, 96}, s.get("h.0.attn.c_attn.weight").shape());   // Conv1D: [in, out]
        assertArrayEquals(new int[]{96}, s.get("h.1.attn.c_attn.bias").shape());
        assertArrayEquals(new int[]{32, 32}, s.get("h.1.attn.c_proj.weight").shape());
        assertArrayEquals(new int[]{32, 128}, s.get("h.0.mlp.c_fc.weight").shape());
        assertArrayEquals(new int[]{128, 32}, s.get("h.0.mlp.c_proj.weight").shape());
        assertTrue(s.containsKey("h.0.ln_1.weight") && s.containsKey("h.0.ln_2.bias") && s.containsKey("ln_f.bias"));
        assertEquals(4 + 2 * 12, s.size());
        assertFalse(s.containsKey("lm_head.weight"), "the LM head is wte itself");
        // GPT-2 init: std 0.02, residual projections 0.02/√(2·nLayer)
        assertEquals(0.02, std(s.get("h.0.mlp.c_fc.weight")), 0.002);
        assertEquals(0.02 / Math.sqrt(4), std(s.get("h.0.mlp.c_proj.weight")), 0.002);
        assertArrayEquals(s.get("wte.weight").toFloatArray(), new Gpt2(SMALL, 1).stateDict().get("wte.weight").toFloatArray());
    }

    static double std(Tensor t) {
        float[] v = t.toFloatArray();
        double ss = 0;
        for (float x : v) ss += x * x;
        return Math.sqrt(ss / v.length);
    }

    @Test void logitsEqualAScalarReference() {
        Gpt2 m = new Gpt2(SMALL, 3);
        try (var ng = Grad.off(); var s = MemoryScope.open()) {
            float[] got = m.forward(Tensor.ofInts(SEQ, 1, SEQ.length), null).value().toFloatArray();
            float[] ref = new NaiveGpt2(m).logits(SEQ);
            assertEquals(ref.length, got.length);
            for (int i = 0; i < ref.length; i++) assertEquals(ref[i], got[i], 1e-4, "logit " + i);
        }
    }

    @Test void paddedRowsGetTheSameHiddenStatesAsAlone() {
        Gpt2 m = new Gpt2(SMALL, 4);
        try (var ng = Grad.off(); var s = MemoryScope.open()) {
            float[] alone = m.hidden(Tensor.ofInts(new int[]{7, 8, 9}, 1, 3), null).value().toFloatArray();   // (1, 3, C)
            int[] ids = {0, 0, 7, 8, 9, /* right padded: */ 7, 8, 9, 0, 0};
            int[] mask = {0, 0, 1, 1, 1, 1, 1, 1, 0, 0};
            float[] h = m.hidden(Tensor.ofInts(ids, 2, 5), Tensor.ofInts(mask, 2, 5)).value().toFloatArray();   // (2, 5, C)
            int c = 32;
            for (int i = 0; i < 3 * c; i++) {
                assertEquals(alone[i], h[2 * c + i], 1e-5, "left-padded row");
                assertEquals(alone[i], h[5 * c + i], 1e-5, "right-padded row");
            }
        }
    }

    @Test void saveAndLoadRoundTripAndHuggingFacePrefixes(@TempDir Path dir) throws Exception {
        Gpt2 m = new Gpt2(SMALL, 5);
        m.save(dir);
        assertTrue(Files.readString(dir.resolve("config.json")).contains("\"n_embd\": 32"));
        assertEquals("pt", Safetensors.read(dir.resolve("model.safetensors")).metadata().get("format"));
        Gpt2 back = Gpt2.fromPretrained(dir);
        assertLogitsEqual(m, back);
        // GPT2LMHeadModel's names: "transformer." prefix, a tied lm_head.weight and attention-mask buffers
        Path hf = Files.createDirectories(dir.resolve("hf"));
        Files.copy(dir.resolve("config.json"), hf.resolve("config.json"));
        Map<String, Tensor> renamed = new LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> renamed.put("transformer." + k, v));
        renamed.put("lm_head.weight", m.wte.weight.value());
        renamed.put("transformer.h.0.attn.bias", Tensor.ones(1, 1, 16, 16));
        Safetensors.write(hf.resolve("model.safetensors"), renamed, Map.of("format", "pt"));
        assertLogitsEqual(m, Gpt2.fromPretrained(hf));
    }

    @Test void mismatchedTensorIsAnErrorNamingFileAndTensor(@TempDir Path dir) throws Exception {
        new Gpt2(SMALL, 5).save(dir);
        Map<String, Tensor> state = new LinkedHashMap<>(new Gpt2(new GptConfig(2, 4, 32, 16, 60, 0.0), 5).stateDict());
        Safetensors.write(dir.resolve("model.safetensors"), state, Map.of("format", "pt"));
        var e = assertThrows(FileFormatException.class, () -> Gpt2.fromPretrained(dir));
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("wte.weight")
                && e.getMessage().contains("[60, 32]") && e.getMessage().contains("[50, 32]"), e.getMessage());
        state.remove("ln_f.bias");
        state.put("wte.weight", new Gpt2(SMALL, 5).wte.weight.value());
        Safetensors.write(dir.resolve("model.safetensors"), state, Map.of("format", "pt"));
        e = assertThrows(FileFormatException.class, () -> Gpt2.fromPretrained(dir));
        assertTrue(e.getMessage().contains("missing tensor ln_f.bias"), e.getMessage());
    }

    @Test void trainingStepsLowerTheLoss() {
        Gpt2 m = new Gpt2(new GptConfig(2, 4, 32, 16, 50, 0.1), 6);
        AdamW opt = new AdamW(m.namedParameters(), 3e-3, 0.9, 0.999, 1e-8, 0.0);
        Tensor in = Tensor.ofInts(new int[]{3, 14, 15, 9, 2, 6, 5, 35, 1, 2, 3, 4, 5, 6, 7, 8}, 2, 8);
        Tensor target = Tensor.ofInts(new int[]{14, 15, 9, 2, 6, 5, 35, 8, 2, 3, 4, 5, 6, 7, 8, 9}, 2, 8);
        float first = 0, last = 0;
        for (int step = 0; step < 30; step++) {
            try (var s = MemoryScope.open()) {
                m.zeroGrad();
                Variable loss = Functional.crossEntropy(m.forward(in, null), target, -1);
                loss.backward();
                opt.step();
                if (step == 0) first = loss.item();
                last = loss.item();
            }
        }
        assertEquals(Math.log(50), first, 0.3, "an untrained model is near uniform");
        assertTrue(last < first - 1.0, "loss " + first + " → " + last);
    }

    /** The fused head and loss give crossEntropy(logits)'s loss and parameter gradients (the tied wte's too). */
    @Test void lmLossEqualsCrossEntropyOfTheLogits() {
        Gpt2 m = new Gpt2(new GptConfig(2, 4, 32, 16, 50, 0.0), 7);
        Tensor in = Tensor.ofInts(new int[]{3, 14, 15, 9, 2, 6, 5, 35, 1, 2, 3, 4, 5, 6, 7, 8}, 2, 8);
        Tensor target = Tensor.ofInts(new int[]{14, 15, 9, 2, 6, 5, 35, 8, 2, 3, -1, -1, 6, 7, 8, 9}, 2, 8);
        Map<String, float[]> unfused = new java.util.HashMap<>();
        try (var s = MemoryScope.open()) {
            m.zeroGrad();
            Variable reference = Functional.crossEntropy(m.forward(in, null), target, -1);
            reference.backward();
            m.namedParameters().forEach((name, p) -> unfused.put(name, p.grad().toFloatArray()));
            m.zeroGrad();
            Variable fused = m.lmLoss(m.hidden(in, null), target, -1);
            fused.backward();
            assertEquals(reference.item(), fused.item(), 1e-6f);
            m.namedParameters().forEach((name, p) -> assertArrayEquals(unfused.get(name), p.grad().toFloatArray(), 1e-6f, name));
        }
    }

    static void assertLogitsEqual(Gpt2 a, Gpt2 b) {
        try (var ng = Grad.off(); var s = MemoryScope.open()) {
            Tensor ids = Tensor.ofInts(SEQ, 1, SEQ.length);
            assertArrayEquals(a.forward(ids, null).value().toFloatArray(), b.forward(ids, null).value().toFloatArray(), 0f);
        }
    }
}
