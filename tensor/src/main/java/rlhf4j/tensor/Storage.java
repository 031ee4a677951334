package rlhf4j.tensor;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A block of device memory owned by one backend. Tensors are views over a storage (shape, strides, offset).
 *
 * <p>A storage is freed exactly once: when the {@link MemoryScope} that owns it closes, when {@link #close()} is
 * called, or, for long-lived storage allocated outside any scope, by the garbage collector as a last resort.
 */
public abstract class Storage implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    private final Device device;
    private final long byteSize;
    private final FreeOnce free;
    private Cleaner.Cleanable cleanable;   // set while the storage is long-lived (owned by no scope)

    /** @param freeAction returns the memory to its backend; must not reference this Storage (it runs from a Cleaner) */
    protected Storage(Device device, long byteSize, Runnable freeAction) {
        this.device = device;
        this.byteSize = byteSize;
        this.free = new FreeOnce(freeAction);
        MemoryScope.adopt(this);
    }

    public abstract Backend backend();

    public final Device device() { return device; }

    public final long byteSize() { return byteSize; }

    public final boolean isFreed() { return free.isDone(); }

    /** Throws if the memory was already returned (a use after its scope closed). */
    public final void checkLive() {
        if (free.isDone())
            throw new IllegalStateException("tensor storage on " + device + " was already freed: its MemoryScope closed"
                    + " or it was closed explicitly; keep() results that must outlive a scope");
    }

    /** Frees the memory now. Idempotent. */
    @Override public final void close() {
        if (cleanable != null) cleanable.clean(); else free.run();
    }

    /** Called by MemoryScope when the storage leaves every scope and becomes long-lived. */
    final void makeLongLived() {
        if (cleanable == null && !free.isDone()) cleanable = CLEANER.register(this, free);
    }

    private static final class FreeOnce implements Runnable {
        private static final AtomicIntegerFieldUpdater<FreeOnce> DONE =
                AtomicIntegerFieldUpdater.newUpdater(FreeOnce.class, "done");
        volatile int done;   // 1 once freed; a field, not an AtomicBoolean, so a storage costs one object less
        final Runnable action;

        FreeOnce(Runnable action) { this.action = action; }

        boolean isDone() { return done != 0; }

        @Override public void run() { if (DONE.compareAndSet(this, 0, 1)) action.run(); }
    }
}
