package rlhf4j.cuda;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;
import rlhf4j.tensor.Tensor;

/** Dim merging and the packed struct Layout, checked against naive multi-index arithmetic (CPU tensors only). */
class KernelLayoutTest {

    /** Storage offset of element i (row-major) of a view, the slow obvious way. */
    static long naiveOffset(Tensor t, long i) {
        int[] shape = t.shape();
        long off = t.offset();
        for (int d = shape.length - 1; d >= 0; d--) {
            off += (i % shape[d]) * t.stride(d);
            i /= shape[d];
        }
        return off;
    }

    @Test void contiguousTensorsOfAnyRankBecomeOneDim() {
        Tensor a = Tensor.zeros(2, 3, 4, 5), b = Tensor.zeros(2, 3, 4, 5);
        KernelLayout[] l = KernelLayout.merged(a, b);
        assertArrayEquals(new long[]{120}, l[0].sizes());
        assertArrayEquals(new long[]{1}, l[0].strides());
        assertArrayEquals(new long[]{1}, l[1].strides());
    }

    @Test void aTransposeKeepsTwoDimsAndBroadcastKeepsStrideZero() {
        Tensor t = Tensor.zeros(3, 4).mT();                       // (4, 3) strides (1, 4)
        Tensor out = Tensor.zeros(4, 3);
        KernelLayout[] l = KernelLayout.merged(t, out);
        assertArrayEquals(new long[]{4, 3}, l[0].sizes());
        assertArrayEquals(new long[]{1, 4}, l[0].strides());
        assertArrayEquals(new long[]{3, 1}, l[1].strides());
        Tensor row = Tensor.zeros(1, 5).expand(6, 5);            // broadcast rows: stride 0
        KernelLayout[] m = KernelLayout.merged(row, Tensor.zeros(6, 5));
        assertArrayEquals(new long[]{6, 5}, m[0].sizes());
        assertArrayEquals(new long[]{0, 1}, m[0].strides());
    }

    @Test void elementOffsetsMatchNaiveIndexingForRandomViews() {
        Random r = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int rank = 1 + r.nextInt(5);
            int[] shape = new int[rank];
            for (int d = 0; d < rank; d++) shape[d] = 1 + r.nextInt(4);
            Tensor t = Tensor.zeros(shape);
            if (rank >= 2 && r.nextBoolean()) t = t.transpose(0, rank - 1);
            if (r.nextBoolean()) t = t.narrow(0, t.size(0) > 1 ? 1 : 0, t.size(0) > 1 ? t.size(0) - 1 : 1);
            if (r.nextBoolean()) {                                // a broadcast leading dim (stride 0)
                int[] s = new int[t.dim() + 1];
                s[0] = 3;
                for (int d = 0; d < t.dim(); d++) s[d + 1] = t.size(d);
                t = t.unsqueeze(0).expand(s);
            }
            Tensor other = Tensor.zeros(t.shape());
            KernelLayout[] l = KernelLayout.merged(t, other);
            assertEquals(l[0].rank(), l[1].rank());
            for (long i = 0; i < t.numel(); i++) {
                assertEquals(naiveOffset(t, i), l[0].elementOffset(i), "element " + i + " of " + t);
                assertEquals(i, l[1].elementOffset(i));
            }
            KernelLayout u = KernelLayout.of(t);
            for (long i = 0; i < t.numel(); i++) assertEquals(naiveOffset(t, i), u.elementOffset(i));
        }
    }

    @Test void packsTheCudaStructLittleEndian() {
        KernelLayout l = new KernelLayout(new long[]{4, 3}, new long[]{1, 4}, 7);
        byte[] bytes = l.pack();
        assertEquals(144, bytes.length);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(4, b.getLong(0));
        assertEquals(3, b.getLong(8));
        assertEquals(1, b.getLong(16), "unused sizes are 1");
        assertEquals(1, b.getLong(64));
        assertEquals(4, b.getLong(72));
        assertEquals(0, b.getLong(80), "unused strides are 0");
        assertEquals(7, b.getLong(128), "offset");
        assertEquals(2, b.getInt(136), "rank");
    }

    @Test void moreThanEightUnmergeableDimsAreRejected() {
        int[] shape = {2, 2, 2, 2, 2, 2, 2, 2, 2};
        Tensor t = Tensor.zeros(shape).permute(8, 7, 6, 5, 4, 3, 2, 1, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KernelLayout.merged(t, Tensor.zeros(shape)));
        assertTrue(e.getMessage().contains("at most 8 dims"), e.getMessage());
    }
}
