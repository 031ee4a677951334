package rlhf4j.transformer.llama;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import rlhf4j.autograd.Variable;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.transformer.io.RopeLayout;

class RotaryTest {
    @Test void matrixRotationEqualsSlicesAndRotatesPairs() {
        for (RopeLayout layout : RopeLayout.values()) {
            try (var s = MemoryScope.open()) {
                Rotary rope = new Rotary(8, 16, 10000, layout, Device.CPU);
                Variable x = Variable.constant(Tensor.randn(3, 2, 5, 3, 8));                 // (B, T, nh, hs)
                // exact on any BLAS: each output of x R is one ±x term plus exact zeros, so no rounding happens
                assertArrayEquals(rope.rotateBySlices(x).value().toFloatArray(), rope.rotate(x).value().toFloatArray(), 0f);
                // a rotation keeps each pair's length and turns it by pos·θ^(−2i/hs)
                Tensor pos = Tensor.ofInts(new int[]{0, 1, 2, 3, 4, 9, 10, 11, 12, 13}, 2, 5);
                float[] in = x.value().toFloatArray(), out = rope.apply(x, rope.tables(pos)).value().toFloatArray();
                int[] p = pos.toIntArray();
                for (int bt = 0; bt < 10; bt++)
                    for (int h = 0; h < 3; h++)
                        for (int i = 0; i < 4; i++) {
                            int base = (bt * 3 + h) * 8;
                            int a = base + (layout == RopeLayout.INTERLEAVED ? 2 * i : i);
                            int b = base + (layout == RopeLayout.INTERLEAVED ? 2 * i + 1 : i + 4);
                            double angle = p[bt] / Math.pow(10000, 2.0 * i / 8);
                            assertEquals(in[a] * Math.cos(angle) - in[b] * Math.sin(angle), out[a], 1e-5);
                            assertEquals(in[a] * Math.sin(angle) + in[b] * Math.cos(angle), out[b], 1e-5);
                        }
            }
        }
    }

    @Test void denseTablesRotateAsTheBroadcastOnes() {
        for (RopeLayout layout : RopeLayout.values())
            try (var s = MemoryScope.open()) {
                Rotary rope = new Rotary(8, 16, 10000, layout, Device.CPU);
                Variable x = Variable.constant(Tensor.randn(5, 2, 5, 3, 8));                 // (B, T, nh, hs)
                Tensor pos = Tensor.ofInts(new int[]{0, 0, 1, 2, 3, 9, 10, 11, 12, 15}, 2, 5);
                Rotary.Tables dense = rope.tables(pos, 3, 1);
                assertArrayEquals(new int[]{2, 3, 5, 8}, dense.queries()[0].shape());     // (B, nh, T, hs)
                assertArrayEquals(new int[]{2, 1, 5, 8}, dense.keys()[1].shape());
                // the same products and sums, element by element, in the head-major layout: bit-equal
                float[] broadcast = rope.apply(x, rope.tables(pos)).value().transpose(1, 2).contiguous().toFloatArray();
                float[] headMajor = rope.apply(x.transpose(1, 2).contiguous(), dense.queries()).value().toFloatArray();
                assertArrayEquals(broadcast, headMajor, 0f);
            }
    }
}
