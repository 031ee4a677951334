package rlhf4j.tensor.cpu;

import java.lang.foreign.MemorySegment;

/**
 * Zeroed native scratch memory for one kernel call (per-chunk partial sums), taken from and returned to the
 * {@link CpuAllocator} cache, so a training step allocates nothing new and nothing waits for the GC.
 */
final class Scratch implements AutoCloseable {
    private final long address, bytes;
    private final MemorySegment segment;

    Scratch(long floats) {
        bytes = Math.max(floats, 1) * 4;
        address = CpuAllocator.allocate(bytes);
        segment = MemorySegment.ofAddress(address).reinterpret(bytes);
        segment.fill((byte) 0);
    }

    MemorySegment segment() { return segment; }

    @Override public void close() { CpuAllocator.free(address, bytes); }
}
