package rlhf4j.cuda;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The caching policy with a fake raw allocator that tracks every block (no GPU needed). */
class CachingAllocatorTest {

    /** Hands out increasing fake addresses, remembers live blocks, and can be capped to simulate a full device. */
    static final class FakeRaw implements CachingAllocator.RawAllocator {
        final HashMap<Long, Long> live = new HashMap<>();
        long next = 0x1000, capacity = Long.MAX_VALUE, used, allocations, frees;

        @Override public long allocate(long bytes) {
            if (used + bytes > capacity) return 0;
            long a = next;
            next += bytes + 256;
            live.put(a, bytes);
            used += bytes;
            allocations++;
            return a;
        }

        @Override public void free(long address) {
            Long size = live.remove(address);
            assertNotNull(size, "double free or unknown block");
            used -= size;
            frees++;
        }
    }

    @Test void roundsSmallRequestsTo512AndLargeTo128KiB() {
        assertEquals(512, CachingAllocator.roundUp(0));
        assertEquals(512, CachingAllocator.roundUp(1));
        assertEquals(512, CachingAllocator.roundUp(512));
        assertEquals(1024, CachingAllocator.roundUp(513));
        assertEquals(1 << 20, CachingAllocator.roundUp(1 << 20));
        assertEquals((1 << 20) + (128 << 10), CachingAllocator.roundUp((1 << 20) + 1));
    }

    @Test void reusesAFreedBlockOfTheSameRoundedSize() {
        FakeRaw raw = new FakeRaw();
        CachingAllocator a = new CachingAllocator(raw);
        long p = a.allocate(1000);
        a.free(p, 1000);
        assertEquals(1024, a.cachedBytes());
        assertEquals(p, a.allocate(1020), "same rounded size (1024): the cached block comes back");
        assertEquals(1, raw.allocations);
        long q = a.allocate(2000);                        // a different size: a new raw block
        assertNotEquals(p, q);
        assertEquals(2, raw.allocations);
        assertEquals(1024 + 2048, a.liveBytes());
    }

    @Test void flatAfterWarmUpOver1000Steps() {
        FakeRaw raw = new FakeRaw();
        CachingAllocator a = new CachingAllocator(raw);
        long[] sizes = {4096, 4096, 1 << 22, 12345, 64, 3 << 20, 4096};   // a "training step"'s temporaries
        long rawAfterWarmUp = -1, reservedAfterWarmUp = -1;
        for (int step = 0; step < 1000; step++) {
            List<Long> blocks = new ArrayList<>();
            for (long s : sizes) blocks.add(a.allocate(s));
            for (int i = 0; i < sizes.length; i++) a.free(blocks.get(i), sizes[i]);
            if (step == 1) { rawAfterWarmUp = raw.allocations; reservedAfterWarmUp = a.reservedBytes(); }
        }
        assertEquals(rawAfterWarmUp, raw.allocations, "no raw allocation after warm-up");
        assertEquals(reservedAfterWarmUp, a.reservedBytes(), "device memory flat after warm-up");
        assertEquals(sizes.length, raw.allocations, "one raw block per distinct live temporary");
        assertEquals(0, a.liveBytes());
        assertEquals(raw.used, a.reservedBytes());
    }

    @Test void trimReleasesEveryCachedBlock() {
        FakeRaw raw = new FakeRaw();
        CachingAllocator a = new CachingAllocator(raw);
        long kept = a.allocate(100);
        long x = a.allocate(5000), y = a.allocate(5000);
        a.free(x, 5000);
        a.free(y, 5000);
        a.trim();
        assertEquals(0, a.cachedBytes());
        assertEquals(2, raw.frees);
        assertEquals(1, raw.live.size(), "the block still in use is not released");
        assertTrue(raw.live.containsKey(kept));
        assertEquals(a.reservedBytes(), raw.used);
    }

    @Test void outOfMemoryTrimsTheCacheAndRetriesOnce() {
        FakeRaw raw = new FakeRaw();
        raw.capacity = 10_240;
        CachingAllocator a = new CachingAllocator(raw);
        long p = a.allocate(8192);
        a.free(p, 8192);                                    // cached, but still occupies the "device"
        long q = a.allocate(4096);                          // does not fit next to the cached block: trim, retry
        assertNotEquals(0, q);
        assertEquals(1, raw.frees);
        assertEquals(0, a.cachedBytes());
        OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> a.allocate(1 << 20));
        assertTrue(e.getMessage().contains("CUDA out of memory"), e.getMessage());
        assertEquals(4096, a.liveBytes(), "a failed allocation leaves the accounting unchanged");
    }
}
