package rlhf4j.cuda;

import static org.junit.jupiter.api.Assertions.*;
import static rlhf4j.cuda.GpuTesting.*;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;

/** GPU only: a training-like loop reaches a steady state where neither cuMemAlloc nor device memory grows. */
class CudaAllocatorGpuTest {
    @BeforeEach void requireGpu() { assumeGpu(); }

    static void step(Tensor w, int i) {
        try (MemoryScope s = MemoryScope.open()) {
            Tensor x = Tensor.rand(i, -1, 1, GPU, 64, 128);
            Tensor h = x.matmul(w).gelu().softmax();
            Tensor loss = h.mul(h).sum();
            if (i % 100 == 0) assertFalse(Float.isNaN(loss.item()));
        }
    }

    @Test void deviceMemoryIsFlatOver1000StepsAfterWarmUp() {
        Tensor w = MemoryScope.unscoped(() -> Tensor.randn(1, GPU, 128, 256));
        CudaContext ctx = ((CudaBackend) rlhf4j.tensor.Backends.forDevice(GPU)).context(0);
        for (int i = 0; i < 10; i++) step(w, i);
        ctx.synchronize();
        long raw = ctx.allocator.rawAllocations(), reserved = ctx.allocator.reservedBytes(), used = ctx.deviceBytesUsed();
        for (int i = 10; i < 1010; i++) step(w, i);
        ctx.synchronize();
        assertEquals(raw, ctx.allocator.rawAllocations(), "cuMemAlloc calls after warm-up");
        assertEquals(reserved, ctx.allocator.reservedBytes(), "bytes held by the allocator");
        assertEquals(used, ctx.deviceBytesUsed(), "device memory in use (cuMemGetInfo)");
        w.free();
    }
}
