package rlhf4j.cuda;

import rlhf4j.tensor.Backend;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.Storage;

/** A block of GPU memory from the context's {@link CachingAllocator}; closing it returns the block to the cache. */
final class CudaStorage extends Storage {
    private final CudaBackend backend;
    private final CudaContext context;
    private final long address;

    private CudaStorage(CudaBackend backend, CudaContext context, Device device, long byteSize, long address) {
        super(device, byteSize, () -> context.allocator.free(address, byteSize));
        this.backend = backend;
        this.context = context;
        this.address = address;
    }

    static CudaStorage allocate(CudaBackend backend, CudaContext context, Device device, long byteSize) {
        return new CudaStorage(backend, context, device, byteSize, context.allocator.allocate(byteSize));
    }

    @Override public Backend backend() { return backend; }

    CudaContext context() { return context; }

    /** The device address of byte 0; throws if the storage was freed. */
    long address() {
        checkLive();
        return address;
    }
}
