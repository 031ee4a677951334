package rlhf4j.transformer;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import rlhf4j.autograd.Grad;
import rlhf4j.autograd.Parameter;
import rlhf4j.autograd.Variable;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.transformer.gpt2.Gpt2;
import rlhf4j.transformer.gpt2.GptConfig;
import rlhf4j.transformer.io.LlamaConfig;
import rlhf4j.transformer.io.RopeLayout;
import rlhf4j.transformer.llama.Llama;

/** Backward through whole models (fused q/k/v views, grouped-query heads, rotary, padding) against finite differences. */
class GradientTest {
    static final int[] IDS = {0, 0, 5, 9, 3, /**/ 7, 1, 2, 8, 4};
    static final int[] MASK = {0, 0, 1, 1, 1, /**/ 1, 1, 1, 1, 1};
    static final int[] TARGETS = {-1, -1, 9, 3, 6, /**/ 1, 2, 8, 4, 11};

    @Test void gpt2() {
        check(new Gpt2(new GptConfig(2, 2, 8, 8, 13, 0.0), 1), "h.0.attn.c_attn.weight", "h.1.mlp.c_proj.weight", "wpe.weight", "ln_f.bias",
                "wte.weight");
    }

    @Test void llamaWithGroupedQueriesInBothRotaryLayouts() {
        for (RopeLayout layout : RopeLayout.values()) {
            LlamaConfig c = new LlamaConfig(8, 12, 2, 4, 2, 13, 8, false, layout, 1e-5f, 10000f);
            check(new Llama(c, 2), "model.layers.0.self_attn.q_proj.weight", "model.layers.1.self_attn.k_proj.weight",
                    "model.layers.0.mlp.up_proj.weight", "lm_head.weight");
        }
    }

    static float loss(TransformerModel m) {
        Tensor ids = Tensor.ofInts(IDS, 2, 5), mask = Tensor.ofInts(MASK, 2, 5), targets = Tensor.ofInts(TARGETS, 2, 5);
        return m.lmLoss(m.hidden(ids, mask), targets, -1).item();
    }

    static void check(TransformerModel m, String... names) {
        // GPT-2's init (std 0.02) leaves attention almost uniform and its gradients ~0: widen the matrices
        for (Parameter p : m.parameters()) if (p.dim() == 2) p.value().mulInPlace(15);
        try (var s = MemoryScope.open()) {
            m.zeroGrad();
            Tensor ids = Tensor.ofInts(IDS, 2, 5), mask = Tensor.ofInts(MASK, 2, 5), targets = Tensor.ofInts(TARGETS, 2, 5);
            Variable l = m.lmLoss(m.hidden(ids, mask), targets, -1);                   // GPT-2: the fused head and loss
            l.backward();
            for (String name : names) {
                Parameter p = m.namedParameters().get(name);
                float[] grad = p.grad().toFloatArray(), value = p.value().toFloatArray();
                int checked = 0;
                double largest = 0;
                for (int i = 0; i < value.length && checked < 6; i += Math.max(1, value.length / 17)) {
                    double eps = 1e-2, up, down;
                    try (var ng = Grad.off()) {
                        value[i] += (float) eps; p.set(Tensor.of(value, p.shape())); up = loss(m);
                        value[i] -= (float) (2 * eps); p.set(Tensor.of(value, p.shape())); down = loss(m);
                        value[i] += (float) eps; p.set(Tensor.of(value, p.shape()));
                    }
                    double fd = (up - down) / (2 * eps);
                    assertEquals(fd, grad[i], 2e-3 + 0.05 * Math.abs(fd), name + "[" + i + "]");
                    largest = Math.max(largest, Math.abs(fd));
                    checked++;
                }
                assertTrue(largest > 1e-3, name + ": the checked gradients are all ~0 (" + largest + "), the test would prove nothing");
            }
        }
    }
}
