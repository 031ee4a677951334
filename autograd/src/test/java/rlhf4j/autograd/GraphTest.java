package rlhf4j.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;

/** The graph machinery: ordering, accumulation, no-grad, detach, freeing, memory lifetimes. */
class GraphTest {

    @Test void gradCheckCatchesAWrongGradient() {
        // y = 2x but with a backward that claims dy/dx = 3: the check must fail
        assertThrows(AssertionError.class, () -> GradCheck.standard().check("wrong", v -> {
            Variable x = v[0];
            return Variable.fromOp("wrong", x.value().mul(2), dy -> x.accumulateGrad(dy.mul(3)), x);
        }, Tensor.of(1f, 2f, 3f)));
    }

    @Test void handComputedGradients() {
        // L = Σ (a·b + a)  →  dL/da = b + 1, dL/db = a
        Variable a = Variable.leaf(Tensor.of(1f, 2f, 3f));
        Variable b = Variable.leaf(Tensor.of(4f, 5f, 6f));
        Variable loss = a.mul(b).add(a).sum();
        assertEquals(1 * 4 + 1 + 2 * 5 + 2 + 3 * 6 + 3, loss.item(), 0);
        loss.backward();
        assertArrayEquals(new float[]{5, 6, 7}, a.grad().toFloatArray());
        assertArrayEquals(new float[]{1, 2, 3}, b.grad().toFloatArray());
    }

    @Test void diamondGraphSumsBothPaths() {
        // y = x·x + exp(x): x is used three times; dy/dx = 2x + eˣ
        Variable x = Variable.leaf(Tensor.of(0.5f, -1f));
        Variable y = x.mul(x).add(x.exp()).sum();
        y.backward();
        float[] g = x.grad().toFloatArray();
        assertEquals(2 * 0.5 + Math.exp(0.5), g[0], 1e-6);
        assertEquals(-2 + Math.exp(-1), g[1], 1e-6);
    }

    @Test void deepChainDoesNotOverflowTheStack() {
        Variable x = Variable.leaf(Tensor.of(1f));
        Variable y = x;
        for (int i = 0; i < 20_000; i++) y = y.mul(1.0);
        y.sum().backward();
        assertEquals(1f, x.grad().item());
    }

    @Test void leafGradientsAccumulateAcrossBackwardCalls() {
        Variable x = Variable.leaf(Tensor.of(1f, 2f));
        x.mul(3).sum().backward();
        x.mul(x).sum().backward();                       // + 2x
        assertArrayEquals(new float[]{3 + 2, 3 + 4}, x.grad().toFloatArray());
        Tensor buffer = x.grad();
        x.zeroGrad();
        assertSame(buffer, x.grad(), "zeroGrad keeps the buffer");
        assertArrayEquals(new float[]{0, 0}, x.grad().toFloatArray());
    }

    @Test void backwardWithSeedGradient() {
        Variable x = Variable.leaf(Tensor.of(1f, 2f, 3f));
        x.square().backward(Tensor.of(1f, 10f, 100f));
        assertArrayEquals(new float[]{2, 40, 600}, x.grad().toFloatArray());
        Variable z = Variable.leaf(Tensor.of(1f, 2f)).mul(2);
        assertThrows(IllegalStateException.class, z::backward, "non-scalar needs a seed");
    }

    @Test void noGradScopeRecordsNothing() {
        Variable w = Variable.leaf(Tensor.of(1f, 2f));
        Variable y;
        try (var ng = Grad.off()) {
            assertFalse(Grad.isEnabled());
            try (var inner = Grad.off()) { assertFalse(Grad.isEnabled()); }
            assertFalse(Grad.isEnabled(), "nested scopes: still off until the outer one closes");
            y = w.mul(w).sum();
        }
        assertTrue(Grad.isEnabled());
        assertFalse(y.requiresGrad());
        assertTrue(y.isLeaf());
        assertThrows(IllegalStateException.class, y::backward);
    }

    @Test void detachStopsGradients() {
        Variable x = Variable.leaf(Tensor.of(2f));
        Variable y = x.mul(x.detach()).sum();            // d/dx of x·c = c = 2, not 2x = 4
        y.backward();
        assertEquals(2f, x.grad().item());
    }

    @Test void constantsGetNoGradient() {
        Variable c = Variable.constant(Tensor.of(1f, 2f));
        Variable x = Variable.leaf(Tensor.of(3f, 4f));
        x.mul(c).sum().backward();
        assertNull(c.grad());
        assertArrayEquals(new float[]{1, 2}, x.grad().toFloatArray());
    }

    @Test void backwardFreesTheGraph() {
        Variable x = Variable.leaf(Tensor.of(1f, 2f));
        Variable h = x.exp();
        Variable loss = h.sum();
        assertFalse(h.isLeaf());
        loss.backward();
        assertNull(h.grad(), "intermediate gradients are dropped");
        Variable k = x.exp().retainGrad();
        k.sum().backward();
        assertArrayEquals(new float[]{1, 1}, k.grad().toFloatArray(), "unless retained");
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains("freed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> h.sum().backward());
    }

    @Test void leafGradientsOutliveTheStepScope() {
        Variable w = Variable.leaf(Tensor.of(1f, 2f));    // long-lived: allocated outside any scope
        MemoryScope step = MemoryScope.open();
        Tensor temp;
        try (step) {
            Variable loss = w.mul(w).sum();
            temp = loss.value();
            loss.backward();
            int before = step.ownedCount();
            assertTrue(before > 0);
        }
        assertTrue(temp.storage().isFreed(), "step temporaries are freed with the scope");
        assertFalse(w.grad().storage().isFreed(), "the leaf's gradient buffer is long-lived");
        assertArrayEquals(new float[]{2, 4}, w.grad().toFloatArray());
        try (var step2 = MemoryScope.open()) {
            w.mul(w).sum().backward();                   // accumulates into the same long-lived buffer
        }
        assertArrayEquals(new float[]{4, 8}, w.grad().toFloatArray());
    }

    @Test void broadcastGradientIsSummedToInputShape() {
        Variable bias = Variable.leaf(Tensor.of(0f, 0f, 0f));
        Variable x = Variable.constant(Tensor.ones(4, 3));
        x.add(bias).sum().backward();
        assertArrayEquals(new float[]{4, 4, 4}, bias.grad().toFloatArray());
    }

    @Test void errorsNameTheProblem() {
        Variable a = Variable.leaf(Tensor.zeros(2, 3));
        Variable b = Variable.leaf(Tensor.zeros(4, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.add(b));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4, 3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Variable.leaf(Tensor.arange(3)));
    }
}
