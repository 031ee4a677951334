package rlhf4j.tensor;

import java.util.function.Supplier;

/**
 * Explicit, cheap lifetimes for tensor memory.
 *
 * <pre>{@code
 * try (var step = MemoryScope.open()) {      // every tensor allocated in here ...
 *     Tensor loss = model.forward(batch);
 *     lastLoss = loss.item();
 * }                                          // ... is freed here, at once, without the GC
 * }</pre>
 *
 * Tensors allocated while no scope is open are long-lived (parameters, optimizer state): they are freed by
 * {@link Storage#close()} or, as a last resort, when the GC finds them unreachable. Scopes nest per thread;
 * {@link #keep(Tensor)} hands a result to the enclosing scope, {@link #unscoped(Supplier)} allocates long-lived
 * memory from inside a scope (e.g. an optimizer's lazily created moments).
 */
public final class MemoryScope implements AutoCloseable {
    private static final ThreadLocal<MemoryScope> CURRENT = new ThreadLocal<>();

    /** One spare owned-array per thread, so a step's scope does not regrow its list from empty every time. */
    private static final ThreadLocal<Storage[][]> SPARE = ThreadLocal.withInitial(() -> new Storage[1][]);

    private final MemoryScope parent;
    private Storage[] owned;
    private int count;
    private final Thread thread = Thread.currentThread();
    private boolean closed;

    private MemoryScope(MemoryScope parent) {
        this.parent = parent;
        Storage[][] slot = SPARE.get();
        owned = slot[0] != null ? slot[0] : new Storage[16];
        slot[0] = null;
    }

    private void add(Storage s) {
        if (count == owned.length) owned = java.util.Arrays.copyOf(owned, count * 2);
        owned[count++] = s;
    }

    /** Opens a scope nested in the current one; close it with try-with-resources. */
    public static MemoryScope open() {
        MemoryScope s = new MemoryScope(CURRENT.get());
        CURRENT.set(s);
        return s;
    }

    /** The innermost open scope on this thread, or null when allocations are long-lived. */
    public static MemoryScope current() { return CURRENT.get(); }

    /** Runs {@code body} with no scope open, so everything it allocates is long-lived. */
    public static <T> T unscoped(Supplier<T> body) {
        MemoryScope saved = CURRENT.get();
        CURRENT.remove();
        try {
            return body.get();
        } finally {
            if (saved != null) CURRENT.set(saved);
        }
    }

    static void adopt(Storage s) {
        MemoryScope scope = CURRENT.get();
        if (scope == null) s.makeLongLived(); else scope.add(s);
    }

    /** Moves the tensor's storage to the enclosing scope (or makes it long-lived) so it survives this scope. */
    public <T extends Tensor> T keep(T t) {
        Storage s = t.storage();
        for (int i = count - 1; i >= 0; i--) {
            if (owned[i] == s) {
                System.arraycopy(owned, i + 1, owned, i, count - i - 1);
                owned[--count] = null;
                if (parent == null) s.makeLongLived(); else parent.add(s);
                break;
            }
        }
        return t;
    }

    /** Number of storages this scope will free (for tests and diagnostics). */
    public int ownedCount() { return count; }

    @Override public void close() {
        if (closed) return;
        if (Thread.currentThread() != thread) throw new IllegalStateException("MemoryScope closed on another thread");
        if (CURRENT.get() != this) throw new IllegalStateException("MemoryScope closed out of order: close inner scopes first");
        closed = true;
        for (int i = count - 1; i >= 0; i--) {
            Storage s = owned[i];
            owned[i] = null;
            s.close();
        }
        count = 0;
        if (owned.length <= 4096) SPARE.get()[0] = owned;   // hand the (now empty) array to the thread's next scope
        if (parent == null) CURRENT.remove(); else CURRENT.set(parent);
    }
}
