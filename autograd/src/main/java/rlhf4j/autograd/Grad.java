package rlhf4j.autograd;

/**
 * Switches graph recording on and off for the current thread.
 *
 * <pre>{@code
 * try (var ng = Grad.off()) {          // sampling, evaluation, reference-model log-probs:
 *     Variable logits = model.forward(ids);   // values only, no graph, nothing saved for backward
 * }
 * }</pre>
 *
 * Scopes nest: recording is on again only after the outermost {@code off()} scope closes.
 */
public final class Grad {
    private static final ThreadLocal<int[]> OFF_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private Grad() {}

    /** Whether ops on this thread record a graph (true unless inside {@link #off()}). */
    public static boolean isEnabled() { return OFF_DEPTH.get()[0] == 0; }

    /** Stops recording until the returned scope closes. */
    public static NoGrad off() {
        OFF_DEPTH.get()[0]++;
        return new NoGrad();
    }

    /** A no-grad region; close it with try-with-resources. Closing twice is harmless. */
    public static final class NoGrad implements AutoCloseable {
        private final Thread thread = Thread.currentThread();
        private boolean closed;

        private NoGrad() {}

        @Override public void close() {
            if (closed) return;
            if (Thread.currentThread() != thread) throw new IllegalStateException("Grad.off() scope closed on another thread");
            closed = true;
            OFF_DEPTH.get()[0]--;
        }
    }
}
