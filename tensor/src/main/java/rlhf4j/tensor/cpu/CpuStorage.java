package rlhf4j.tensor.cpu;

import java.lang.foreign.MemorySegment;
import rlhf4j.tensor.Backend;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.Storage;
import rlhf4j.tensor.Tensor;

/** Host memory from {@link CpuAllocator}, seen as a MemorySegment of exactly the requested size. */
public final class CpuStorage extends Storage implements Tensor.HostAccessible {
    private final CpuBackend backend;
    private final MemorySegment segment;

    CpuStorage(CpuBackend backend, long byteSize) {
        this(backend, byteSize, CpuAllocator.allocate(byteSize));
    }

    private CpuStorage(CpuBackend backend, long byteSize, long address) {
        super(Device.CPU, byteSize, () -> CpuAllocator.free(address, byteSize));
        this.backend = backend;
        this.segment = MemorySegment.ofAddress(address).reinterpret(byteSize);
    }

    @Override public Backend backend() { return backend; }

    /** The memory; throws if it was already freed (so a stale view fails loudly instead of reading garbage). */
    public MemorySegment segment() {
        checkLive();
        return segment;
    }

    @Override public MemorySegment hostSegment() { return segment(); }
}
