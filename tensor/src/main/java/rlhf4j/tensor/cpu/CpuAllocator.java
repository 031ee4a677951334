package rlhf4j.tensor.cpu;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.HashMap;

/**
 * Native host memory, 64-byte aligned, with a cache of freed blocks by size (like PyTorch's CUDA caching
 * allocator): a training loop that allocates the same shapes every step calls malloc only in its first step,
 * and freeing is explicit, never left to the GC.
 */
public final class CpuAllocator {
    public static final int ALIGNMENT = 64;
    private static final long CACHE_LIMIT = Long.getLong("rlhf4j.cpu.cacheBytes", 2L << 30);

    private static final MethodHandle ALIGNED_ALLOC;
    private static final MethodHandle FREE;

    static {
        Linker linker = Linker.nativeLinker();
        ALIGNED_ALLOC = linker.downcallHandle(linker.defaultLookup().find("aligned_alloc").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
        FREE = linker.downcallHandle(linker.defaultLookup().find("free").orElseThrow(),
                FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    }

    /** Small blocks (up to {@link #SMALL_LIMIT}, 64-byte classes) in array-indexed stacks: no boxing, no hashing. */
    private static final long SMALL_LIMIT = 64 << 10;
    private static final LongStack[] small = new LongStack[(int) (SMALL_LIMIT / ALIGNMENT) + 1];
    private static final HashMap<Long, LongStack> cache = new HashMap<>();
    private static long cachedBytes, liveBytes, mallocCalls;

    private CpuAllocator() {}

    /** Block sizes are rounded so that similar requests share cached blocks. */
    static long roundUp(long bytes) {
        long b = Math.max(bytes, 1);
        long quantum = b <= 1 << 20 ? ALIGNMENT : 4096;
        return (b + quantum - 1) / quantum * quantum;
    }

    /** Returns the address of a block of at least {@code bytes}; pair with {@link #free(long, long)}. */
    static synchronized long allocate(long bytes) {
        long size = roundUp(bytes);
        LongStack q = stackFor(size, false);
        liveBytes += size;
        if (q != null && !q.isEmpty()) {
            cachedBytes -= size;
            return q.pop();
        }
        mallocCalls++;
        long addr = malloc(size);
        if (addr == 0) {  // out of memory: drop the cache and try once more
            trim();
            addr = malloc(size);
            if (addr == 0) {
                liveBytes -= size;
                throw new OutOfMemoryError("cannot allocate " + size + " bytes of native tensor memory ("
                        + liveBytes + " bytes live)");
            }
        }
        return addr;
    }

    static synchronized void free(long address, long bytes) {
        long size = roundUp(bytes);
        liveBytes -= size;
        if (cachedBytes + size <= CACHE_LIMIT) {
            stackFor(size, true).push(address);
            cachedBytes += size;
        } else {
            release(address);
        }
    }

    /** Returns every cached block to the system. */
    public static synchronized void trim() {
        for (LongStack q : small) if (q != null) while (!q.isEmpty()) release(q.pop());
        for (LongStack q : cache.values()) while (!q.isEmpty()) release(q.pop());
        cache.clear();
        cachedBytes = 0;
    }

    /** Bytes handed out and not yet freed. */
    public static synchronized long liveBytes() { return liveBytes; }

    /** Bytes held in the cache for reuse. */
    public static synchronized long cachedBytes() { return cachedBytes; }

    /** Number of times the system allocator was called (flat in a steady-state loop). */
    public static synchronized long mallocCalls() { return mallocCalls; }

    /** The stack of cached blocks of one rounded size; null when none was ever made and {@code create} is false. */
    private static LongStack stackFor(long size, boolean create) {
        if (size <= SMALL_LIMIT) {
            int i = (int) (size / ALIGNMENT);
            if (small[i] == null && create) small[i] = new LongStack();
            return small[i];
        }
        return create ? cache.computeIfAbsent(size, k -> new LongStack()) : cache.get(size);
    }

    /** A growable stack of addresses. */
    private static final class LongStack {
        private long[] items = new long[4];
        private int size;

        boolean isEmpty() { return size == 0; }

        void push(long v) {
            if (size == items.length) items = java.util.Arrays.copyOf(items, size * 2);
            items[size++] = v;
        }

        long pop() { return items[--size]; }
    }

    private static long malloc(long size) {
        try {
            return ((MemorySegment) ALIGNED_ALLOC.invokeExact((long) ALIGNMENT, size)).address();
        } catch (Throwable t) {
            throw new IllegalStateException("aligned_alloc failed", t);
        }
    }

    private static void release(long address) {
        try {
            FREE.invokeExact(MemorySegment.ofAddress(address));
        } catch (Throwable t) {
            throw new IllegalStateException("free failed", t);
        }
    }
}
