package rlhf4j.autograd.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import rlhf4j.autograd.Parameter;
import rlhf4j.autograd.Variable;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;

class ModuleTest {

    /** A generic container so tests can build trees; registerModule is protected. */
    static class Holder extends Module {
        void add(String name, Module m) { registerModule(name, m); }
    }

    static final class Model extends Module {
        final Holder h = registerModule("h", new Holder());
        final LayerNorm lnF;

        Model() {
            for (int i = 0; i < 2; i++) {
                Holder block = new Holder();
                Holder attn = new Holder();
                attn.add("c_attn", new Linear(4, 12, true, 100 + i));
                block.add("attn", attn);
                h.add(Integer.toString(i), block);
            }
            lnF = registerModule("ln_f", new LayerNorm(4));
        }
    }

    @Test void hierarchicalNamesInRegistrationOrder() {
        Model m = new Model();
        assertEquals(List.of("h.0.attn.c_attn.weight", "h.0.attn.c_attn.bias", "h.1.attn.c_attn.weight",
                "h.1.attn.c_attn.bias", "ln_f.weight", "ln_f.bias"), List.copyOf(m.namedParameters().keySet()));
        assertEquals(2 * (48 + 12) + 8, m.numParameters());
        assertArrayEquals(new int[]{12, 4}, m.namedParameters().get("h.0.attn.c_attn.weight").shape(),
                "Linear weight is stored (out, in)");
    }

    @Test void sequentialNamesChildrenByIndex() {
        Sequential s = new Sequential(new Linear(3, 5, true, 1), Sequential.of(Variable::relu), new Linear(5, 2, false, 2));
        assertEquals(List.of("0.weight", "0.bias", "2.weight"), List.copyOf(s.namedParameters().keySet()));
    }

    @Test void linearComputesXWTransposePlusB() {
        Linear lin = new Linear(3, 2, true, 7);
        lin.weight.set(Tensor.of(new float[]{1, 2, 3, 4, 5, 6}, 2, 3));
        lin.bias.set(Tensor.of(0.5f, -1f));
        Variable y = lin.forward(Variable.constant(Tensor.of(new float[]{1, 0, -1, 2, 1, 0}, 2, 3)));
        // row 0: [1-3, 4-6] + b = [-1.5, -3]; row 1: [2+2, 8+5] + b = [4.5, 12]
        assertArrayEquals(new float[]{-1.5f, -3f, 4.5f, 12f}, y.value().toFloatArray());
    }

    @Test void linearInitIsSeededAndBounded() {
        float[] a = new Linear(16, 8, true, 42).weight.value().toFloatArray();
        float[] b = new Linear(16, 8, true, 42).weight.value().toFloatArray();
        float[] c = new Linear(16, 8, true, 43).weight.value().toFloatArray();
        assertArrayEquals(a, b, "same seed, same bits");
        assertFalse(java.util.Arrays.equals(a, c));
        for (float v : a) assertTrue(Math.abs(v) <= 0.25f, "U(-1/sqrt(16), 1/sqrt(16))");
    }

    @Test void initializersHaveTheStatedMoments() {
        float[] n = Init.normal(3, 0.02, 100, 100).toFloatArray();
        double mean = 0, sq = 0;
        for (float v : n) { mean += v; sq += v * v; }
        mean /= n.length;
        assertEquals(0, mean, 1e-3);
        assertEquals(0.02, Math.sqrt(sq / n.length - mean * mean), 1e-3);
        float[] k = Init.kaimingUniform(4, 24, rlhf4j.tensor.Device.CPU, 1000).toFloatArray();
        float max = 0;
        for (float v : k) max = Math.max(max, Math.abs(v));
        assertTrue(max <= 0.5f && max > 0.45f, "bound sqrt(6/24) = 0.5, got max " + max);
        float[] x = Init.xavierUniform(5, 10, 14, rlhf4j.tensor.Device.CPU, 1000).toFloatArray();
        for (float v : x) assertTrue(Math.abs(v) <= 0.5f);
        assertArrayEquals(new float[]{1, 1}, Init.ones(2).toFloatArray());
        assertArrayEquals(new float[]{0, 0}, Init.zeros(2).toFloatArray());
    }

    @Test void parametersCreatedInsideAScopeAreLongLived() {
        Linear lin;
        try (var scope = MemoryScope.open()) {
            lin = new Linear(2, 2, true, 1);
        }
        assertFalse(lin.weight.value().storage().isFreed());
    }

    @Test void stateDictRoundTrip() {
        Model a = new Model(), b = new Model();
        for (Parameter p : b.parameters()) p.value().fill(0);
        Map<String, Tensor> sd = a.stateDict();
        assertEquals(a.namedParameters().keySet(), sd.keySet());
        Tensor before = b.namedParameters().get("h.1.attn.c_attn.weight").value();
        b.loadStateDict(sd, true);
        assertSame(before, b.namedParameters().get("h.1.attn.c_attn.weight").value(), "loaded in place");
        for (String k : sd.keySet())
            assertArrayEquals(sd.get(k).toFloatArray(), b.stateDict().get(k).toFloatArray(), k);
    }

    @Test void loadStateDictErrorsNameKeyAndShapes() {
        Model m = new Model();
        Map<String, Tensor> sd = new HashMap<>(m.stateDict());
        sd.put("h.0.attn.c_attn.weight", Tensor.zeros(4, 12));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(sd, true));
        assertTrue(e.getMessage().contains("h.0.attn.c_attn.weight") && e.getMessage().contains("[4, 12]")
                && e.getMessage().contains("[12, 4]"), e.getMessage());

        Map<String, Tensor> partial = new HashMap<>(m.stateDict());
        partial.remove("ln_f.bias");
        partial.put("lm_head.weight", Tensor.zeros(1));
        e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(partial, true));
        assertTrue(e.getMessage().contains("ln_f.bias") && e.getMessage().contains("lm_head.weight"), e.getMessage());
        assertEquals(5, m.loadStateDict(partial, false).size(), "non-strict loads what matches");
    }

    @Test void trainEvalPropagatesToChildren() {
        Model m = new Model();
        assertTrue(m.lnF.isTraining());
        m.eval();
        assertFalse(m.lnF.isTraining());
        assertFalse(m.h.children().get("0").isTraining());
        m.train(true);
        assertTrue(m.h.children().get("1").isTraining());
    }

    @Test void zeroGradClearsEveryParameter() {
        Linear lin = new Linear(3, 2, true, 1);
        lin.forward(Variable.constant(Tensor.ones(4, 3))).sum().backward();
        assertArrayEquals(new float[]{4, 4}, lin.bias.grad().toFloatArray());
        assertNotEquals(0f, lin.weight.grad().get(0, 0));
        lin.zeroGrad();
        assertArrayEquals(new float[6], lin.weight.grad().toFloatArray());
        assertArrayEquals(new float[2], lin.bias.grad().toFloatArray());
    }

    @Test void dropoutModuleIsIdentityInEval() {
        Dropout d = new Dropout(0.5, 9);
        Variable x = Variable.constant(Tensor.ones(3));
        d.eval();
        assertSame(x, d.forward(x));
        assertEquals(0, d.calls());
        assertThrows(IllegalArgumentException.class, () -> new Dropout(1.0, 1));
    }
}
