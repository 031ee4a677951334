package rlhf4j.tensor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import rlhf4j.tensor.cpu.CpuAllocator;

class TensorBasicsTest {

    @Test void transposedMatmulMatchesHandComputation() {
        Tensor a = Tensor.of(new float[]{1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor b = Tensor.of(new float[]{1, 0, 0, 1, 1, 1}, 3, 2);
        assertArrayEquals(new float[]{4, 5, 10, 11}, a.matmul(b).toFloatArray());
        // aᵀ (3,2) @ a (2,3) without a copy
        assertArrayEquals(new float[]{17, 22, 27, 22, 29, 36, 27, 36, 45}, a.mT().matmul(a).toFloatArray());
    }

    @Test void broadcastAddAndReduce() {
        Tensor a = Tensor.of(new float[]{1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor row = Tensor.of(10, 20, 30);
        assertArrayEquals(new float[]{11, 22, 33, 14, 25, 36}, a.add(row).toFloatArray());
        assertArrayEquals(new float[]{5, 7, 9}, a.sum(0).toFloatArray());
        assertArrayEquals(new float[]{2, 5}, a.mean(1).toFloatArray());
        assertArrayEquals(new int[]{2, 2}, a.argmax(1).toIntArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.add(Tensor.of(1, 2)));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[2]"), e.getMessage());
    }

    @Test void scopeFreesTemporariesAndKeepsResults() {
        long before = CpuAllocator.liveBytes();
        Tensor kept;
        Tensor temp;
        try (MemoryScope scope = MemoryScope.open()) {
            temp = Tensor.ones(1000);
            kept = scope.keep(temp.mul(3));
            assertEquals(2, scope.ownedCount() + 1);
        }
        assertThrows(IllegalStateException.class, temp::toFloatArray);
        assertEquals(3f, kept.get(999));
        kept.free();
        assertEquals(before, CpuAllocator.liveBytes());
    }

    @Test void viewsNeedCompatibleStrides() {
        Tensor a = Tensor.of(new float[]{1, 2, 3, 4, 5, 6}, 2, 3);
        assertThrows(IllegalArgumentException.class, () -> a.mT().view(6));
        assertArrayEquals(new float[]{1, 4, 2, 5, 3, 6}, a.mT().reshape(6).toFloatArray());
        assertArrayEquals(new float[]{2, 5}, a.narrow(1, 1, 1).reshape(2).toFloatArray());
        assertArrayEquals(new int[]{3, 1, 2}, a.mT().unsqueeze(1).shape());
    }

    @Test void extremaOverAnEmptyDimAreErrors() {
        Tensor empty = Tensor.zeros(2, 0);
        assertArrayEquals(new float[]{0, 0}, empty.sum(1).toFloatArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> empty.max(1));
        assertTrue(e.getMessage().contains("size 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> empty.argmax(1));
    }
}
