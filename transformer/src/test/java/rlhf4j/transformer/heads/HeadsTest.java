package rlhf4j.transformer.heads;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import rlhf4j.autograd.Variable;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.transformer.gpt2.Gpt2;
import rlhf4j.transformer.gpt2.GptConfig;

class HeadsTest {
    final Gpt2 trunk = new Gpt2(new GptConfig(1, 2, 16, 16, 30, 0.0), 2);
    final HeadedModel model = new HeadedModel(trunk, true, new ValueHead(16, 3, Device.CPU), new SequenceHead(16, 3, 4, Device.CPU));
    final int[] ids = {0, 4, 5, 6, /**/ 7, 8, 0, 0};
    final int[] mask = {0, 1, 1, 1, /**/ 1, 1, 0, 0};

    @Test void headsReadTheRightTokens() {
        try (var s = MemoryScope.open()) {
            HeadedModel.Outputs o = model.forward(Tensor.ofInts(ids, 2, 4), Tensor.ofInts(mask, 2, 4));
            assertArrayEquals(new int[]{2, 4, 30}, o.logits().shape());
            assertArrayEquals(new int[]{2, 4}, o.values().shape());
            assertArrayEquals(new int[]{2, 3}, o.scores().shape());
            float[] h = o.hidden().value().toFloatArray();                         // (2, 4, 16)
            float[] w = model.valueHead.summary.weight.value().toFloatArray(), wb = model.valueHead.summary.bias.value().toFloatArray();
            float[] sw = model.sequenceHead.score.weight.value().toFloatArray(), sb = model.sequenceHead.score.bias.value().toFloatArray();
            float[] values = o.values().value().toFloatArray(), scores = o.scores().value().toFloatArray();
            for (int p = 0; p < 8; p++) assertEquals(dot(h, p * 16, w, 0) + wb[0], values[p], 1e-5);
            int[] last = {3, 5};                                                   // flat (row·T + t) of each row's last real token
            for (int r = 0; r < 2; r++)
                for (int k = 0; k < 3; k++) assertEquals(dot(h, last[r] * 16, sw, k * 16) + sb[k], scores[r * 3 + k], 1e-5);
            // the reward of a row does not depend on its padding
            HeadedModel.Outputs alone = model.forward(Tensor.ofInts(new int[]{7, 8}, 1, 2), null);
            for (int k = 0; k < 3; k++) assertEquals(alone.scores().value().get(0, k), scores[3 + k], 1e-5);
        }
    }

    @Test void logitsOfSomeColumnsAreThoseColumnsOfTheFullLogits() {
        try (var s = MemoryScope.open()) {
            Tensor i = Tensor.ofInts(ids, 2, 4), m = Tensor.ofInts(mask, 2, 4);
            HeadedModel.Outputs all = model.forward(i, m), some = model.forward(i, m, 1, 2);
            assertArrayEquals(new int[]{2, 2, 30}, some.logits().shape());
            assertArrayEquals(all.logits().narrow(1, 1, 2).contiguous().value().toFloatArray(), some.logits().value().toFloatArray(), 1e-5f);
            assertArrayEquals(all.values().value().toFloatArray(), some.values().value().toFloatArray(), 0f);
        }
    }

    @Test void rewardGradientReachesOnlyTheLastRealToken() {
        try (var s = MemoryScope.open()) {
            SequenceHead reward = new SequenceHead(16, 1, 9, Device.CPU);
            Variable h = Variable.leaf(Tensor.randn(1, 2, 4, 16));
            reward.reward(h, Tensor.ofInts(mask, 2, 4)).sum().backward();
            float[] g = h.grad().toFloatArray();
            for (int p = 0; p < 8; p++) {
                double norm = 0;
                for (int i = 0; i < 16; i++) norm += Math.abs(g[p * 16 + i]);
                assertEquals(p == 3 || p == 5, norm > 0, "position " + p);
            }
        }
    }

    @Test void aNameForEachHead() {
        var names = model.namedParameters().keySet();
        assertTrue(names.contains("trunk.wte.weight") && names.contains("value_head.summary.weight")
                && names.contains("sequence_head.score.bias"), names.toString());
    }

    static float dot(float[] a, int ao, float[] b, int bo) {
        double s = 0;
        for (int i = 0; i < 16; i++) s += a[ao + i] * b[bo + i];
        return (float) s;
    }
}
