package rlhf4j.tensor;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import rlhf4j.tensor.cpu.CpuAllocator;

/** The memory rule in practice: scopes free temporaries, keep() and unscoped() make things outlive them. */
class MemoryScopeTest {

    /**
     * Long-lived tensors that earlier tests dropped are freed by the GC's cleaner at some unknown time, which would
     * move {@link CpuAllocator#liveBytes()} under these tests' feet: collect them first and wait until it settles.
     */
    @BeforeEach void settleGarbageFromOtherTests() throws InterruptedException {
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < 50 && CpuAllocator.liveBytes() != previous; i++) {
            previous = CpuAllocator.liveBytes();
            System.gc();
            Thread.sleep(20);
        }
    }

    @Test void scopesNestAndEachFreesOnlyWhatItAllocated() {
        assertNull(MemoryScope.current(), "no scope is open between tests");
        long start = CpuAllocator.liveBytes();
        Tensor outerTensor, innerTensor;
        try (MemoryScope outer = MemoryScope.open()) {
            assertSame(outer, MemoryScope.current());
            outerTensor = Tensor.ones(256);
            try (MemoryScope inner = MemoryScope.open()) {
                assertSame(inner, MemoryScope.current());
                innerTensor = Tensor.ones(512);
                assertEquals(1, inner.ownedCount());
                assertEquals(1, outer.ownedCount());
            }
            assertSame(outer, MemoryScope.current(), "closing the inner scope reopens the outer one");
            assertTrue(innerTensor.storage().isFreed());
            assertFalse(outerTensor.storage().isFreed());
            assertEquals(256f, outerTensor.sum().item());
        }
        assertNull(MemoryScope.current());
        assertTrue(outerTensor.storage().isFreed());
        assertEquals(start, CpuAllocator.liveBytes());
    }

    @Test void keepHandsATensorToTheEnclosingScope() {
        long start = CpuAllocator.liveBytes();
        Tensor result;
        try (MemoryScope outer = MemoryScope.open()) {
            try (MemoryScope inner = MemoryScope.open()) {
                Tensor x = Tensor.full(2, 8);
                result = inner.keep(x.mul(x));               // kept: moves to outer
                assertEquals(1, inner.ownedCount(), "only x is left to free");
            }
            assertEquals(1, outer.ownedCount());
            assertFalse(result.storage().isFreed());
            assertArrayEquals(new float[]{4, 4, 4, 4, 4, 4, 4, 4}, result.toFloatArray());
        }
        assertTrue(result.storage().isFreed(), "the outer scope frees what was kept into it");
        assertEquals(start, CpuAllocator.liveBytes());
    }

    @Test void keepInAnOutermostScopeMakesATensorLongLived() {
        long start = CpuAllocator.liveBytes();
        Tensor kept;
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor base = Tensor.of(1, 2, 3, 4, 5, 6);
            kept = scope.keep(base.view(2, 3).mT());       // keeping a view keeps the storage it shares
            Tensor notOwned = scope.keep(kept);           // keeping twice, or something not owned, changes nothing
            assertSame(kept, notOwned);
            assertEquals(0, scope.ownedCount());
        }
        assertFalse(kept.storage().isFreed());
        assertArrayEquals(new float[]{1, 4, 2, 5, 3, 6}, kept.toFloatArray());
        kept.free();
        assertEquals(start, CpuAllocator.liveBytes());
    }

    @Test void unscopedAllocatesLongLivedMemoryFromInsideAScope() {
        long start = CpuAllocator.liveBytes();
        Tensor moments;
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor temp = Tensor.ones(16);
            moments = MemoryScope.unscoped(() -> {
                assertNull(MemoryScope.current(), "no scope inside unscoped()");
                return Tensor.zeros(16);                    // e.g. an optimizer's lazily created state
            });
            assertSame(scope, MemoryScope.current(), "the scope is back after unscoped()");
            assertEquals(1, scope.ownedCount(), "only temp belongs to the scope");
            assertThrows(ArithmeticException.class, () -> MemoryScope.unscoped(() -> {
                throw new ArithmeticException("fails inside unscoped()");
            }));
            assertSame(scope, MemoryScope.current(), "the scope is back even when the body throws");
        }
        assertFalse(moments.storage().isFreed());
        assertArrayEquals(new float[16], moments.toFloatArray());
        moments.free();
        assertEquals(start, CpuAllocator.liveBytes());
    }

    @Test void closingAnOuterScopeBeforeItsInnerOneIsAnError() {
        MemoryScope outer = MemoryScope.open();
        MemoryScope inner = MemoryScope.open();
        try {
            Tensor t = Tensor.ones(4);
            IllegalStateException e = assertThrows(IllegalStateException.class, outer::close);
            assertTrue(e.getMessage().contains("out of order"), e.getMessage());
            assertFalse(t.storage().isFreed(), "a refused close frees nothing");
            assertSame(inner, MemoryScope.current());
            inner.close();
            inner.close();   // closing twice is harmless
            outer.close();
            assertNull(MemoryScope.current());
            assertTrue(t.storage().isFreed());
        } finally {          // leave no scope open on this thread for the next test, even after a failure
            inner.close();
            outer.close();
        }
    }

    @Test void closingOnAnotherThreadIsAnError() throws InterruptedException {
        try (MemoryScope scope = MemoryScope.open()) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread other = new Thread(() -> {
                try {
                    scope.close();
                } catch (Throwable t) {
                    thrown.set(t);
                }
            });
            other.start();
            other.join();
            assertInstanceOf(IllegalStateException.class, thrown.get());
            assertSame(scope, MemoryScope.current(), "still open on its own thread");
        }
    }

    @Test void usingAScopedTensorAfterItsScopeClosedThrowsInsteadOfCrashing() {
        Tensor t, view;
        try (MemoryScope scope = MemoryScope.open()) {
            t = Tensor.randn(7, 4, 5);
            view = t.narrow(1, 1, 3).mT();
        }
        try (MemoryScope other = MemoryScope.open()) {
            Tensor live = Tensor.ones(4, 5);
            for (Runnable use : new Runnable[]{
                    t::toFloatArray, () -> t.get(0, 0), () -> t.select(0, 1).select(0, 2).item(),
                    view::toFloatArray, view::contiguous,
                    () -> t.add(live), () -> live.add(t), () -> t.sum(), () -> t.fill(1),
                    () -> live.copyFrom(t), () -> t.copyFrom(live), () -> t.matmul(live.mT()),
                    () -> t.view(20).toFloatArray()}) {
                IllegalStateException e = assertThrows(IllegalStateException.class, use::run);
                assertTrue(e.getMessage().contains("already freed"), e.getMessage());
            }
        }
    }

    @Test void readingAStridedTensorOutsideAnyScopeLeavesNoCopyBehind() {
        Tensor t = Tensor.of(new float[]{1, 2, 3, 4, 5, 6}, 2, 3);     // long-lived
        Tensor ids = Tensor.ofInts(new int[]{1, 2, 3, 4, 5, 6}, 2, 3);
        long start = CpuAllocator.liveBytes();
        assertArrayEquals(new float[]{1, 4, 2, 5, 3, 6}, t.mT().toFloatArray());   // reads through a contiguous copy
        assertArrayEquals(new int[]{1, 4, 2, 5, 3, 6}, t.mT().toIntArray());       // and a dtype conversion
        assertArrayEquals(new float[]{1, 4, 2, 5, 3, 6}, ids.mT().toFloatArray());
        assertEquals(6f, ids.get(1, 2));
        assertEquals(start, CpuAllocator.liveBytes(), "the copies made for reading were freed, not left to the GC");
        t.free();
        ids.free();
    }

    @Test void freeingEarlyInsideAScopeIsNotFreedTwice() {
        long start = CpuAllocator.liveBytes();
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor big = Tensor.zeros(1 << 16);
            big.free();                                  // done with it before the scope ends
            big.free();
            assertTrue(big.storage().isFreed());
        }
        assertEquals(start, CpuAllocator.liveBytes(), "the scope's close after free() must not free again");
    }

    /** A training-like loop: after the first step every allocation is served from the cache, nothing waits on GC. */
    @Test void aSteadyLoopReturnsToItsStartAndStopsCallingMalloc() {
        Tensor weight = Tensor.randn(3, 32, 64);            // long-lived, like a parameter
        Tensor input = Tensor.randn(4, 16, 32);
        long start = CpuAllocator.liveBytes();
        float first = 0;
        long mallocsAfterWarmUp = 0;
        for (int step = 0; step < 60; step++) {
            try (MemoryScope scope = MemoryScope.open()) {
                Tensor h = input.matmul(weight).relu();          // (16, 64)
                Tensor loss = h.mul(h).add(h.mT().contiguous().mT()).mean();
                float value = loss.item();
                if (step == 0) first = value;
                assertEquals(first, value, "same inputs, same result: step " + step);
                assertTrue(scope.ownedCount() >= 5, "the temporaries belong to the scope");
            }
            assertEquals(start, CpuAllocator.liveBytes(), "step " + step + " freed everything it allocated");
            if (step == 1) mallocsAfterWarmUp = CpuAllocator.mallocCalls();
            if (step > 1) assertEquals(mallocsAfterWarmUp, CpuAllocator.mallocCalls(), "step " + step + " called malloc");
        }
        weight.free();
        input.free();
    }
}
