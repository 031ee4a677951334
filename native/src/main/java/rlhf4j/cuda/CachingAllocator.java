package rlhf4j.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;

/**
 * Device memory with a cache of freed blocks by size, in the spirit of PyTorch's CUDA caching allocator: a training
 * loop that allocates the same shapes every step calls the raw allocator (cuMemAlloc, which synchronises the
 * device and is slow) only during its first steps.
 *
 * <p>The policy is pure host-side bookkeeping over a {@link RawAllocator}, so tests drive it with a fake one.
 * Reusing a freed block at once is safe because all work runs on one stream per device: a kernel that reads the
 * block's new contents is queued after every kernel that used its old ones.
 */
final class CachingAllocator {
    /** The memory source being cached: cuMemAlloc/cuMemFree on a GPU, a fake in tests. */
    interface RawAllocator {
        /** A fresh block of exactly {@code bytes}, or 0 when the device is out of memory. */
        long allocate(long bytes);

        void free(long address);
    }

    /** Requests up to this size are rounded to {@link #SMALL_QUANTUM}, larger ones to {@link #LARGE_QUANTUM}. */
    static final long SMALL_LIMIT = 1 << 20;
    static final long SMALL_QUANTUM = 512;
    static final long LARGE_QUANTUM = 128 << 10;

    private final RawAllocator raw;
    private final HashMap<Long, ArrayDeque<Long>> freeBySize = new HashMap<>();
    private long liveBytes, cachedBytes, rawAllocations, rawFrees;

    CachingAllocator(RawAllocator raw) { this.raw = raw; }

    /** Block size for a request: similar requests share a size, so their blocks can be reused. */
    static long roundUp(long bytes) {
        long b = Math.max(bytes, 1);
        long quantum = b <= SMALL_LIMIT ? SMALL_QUANTUM : LARGE_QUANTUM;
        return (b + quantum - 1) / quantum * quantum;
    }

    /** A block of at least {@code bytes}: a cached one of the same rounded size when there is one. */
    synchronized long allocate(long bytes) {
        long size = roundUp(bytes);
        ArrayDeque<Long> cached = freeBySize.get(size);
        if (cached != null && !cached.isEmpty()) {
            cachedBytes -= size;
            liveBytes += size;
            return cached.pop();
        }
        long address = raw.allocate(size);
        if (address == 0) {                 // out of memory: give the cache back to the device and try once more
            trim();
            address = raw.allocate(size);
            if (address == 0)
                throw new OutOfMemoryError("CUDA out of memory allocating " + size + " bytes (" + liveBytes
                        + " bytes in use by tensors)");
        }
        rawAllocations++;
        liveBytes += size;
        return address;
    }

    /** Returns a block (of the size it was requested with) to the cache. */
    synchronized void free(long address, long bytes) {
        long size = roundUp(bytes);
        liveBytes -= size;
        cachedBytes += size;
        freeBySize.computeIfAbsent(size, k -> new ArrayDeque<>()).push(address);
    }

    /** Releases every cached block to the raw allocator. */
    synchronized void trim() {
        for (ArrayDeque<Long> q : freeBySize.values()) {
            for (long a : q) {
                raw.free(a);
                rawFrees++;
            }
        }
        freeBySize.clear();
        cachedBytes = 0;
    }

    /** Bytes in blocks handed out and not yet freed. */
    synchronized long liveBytes() { return liveBytes; }

    /** Bytes in freed blocks kept for reuse. */
    synchronized long cachedBytes() { return cachedBytes; }

    /** Bytes obtained from the raw allocator and not yet released: live + cached. */
    synchronized long reservedBytes() { return liveBytes + cachedBytes; }

    /** Calls to the raw allocator so far (flat in a steady-state loop). */
    synchronized long rawAllocations() { return rawAllocations; }

    synchronized long rawFrees() { return rawFrees; }
}
