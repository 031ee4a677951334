package rlhf4j.tensor.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;

/**
 * Splits a range of rows over the cores with one shared {@link ForkJoinPool}.
 *
 * <p>Determinism: the split points depend only on the range length and the cost per row, never on timing or on
 * the number of cores, so a kernel that reduces per chunk and then combines the chunks in chunk order gives the
 * same bits on every run and every machine. Below {@link #GRAIN} elements of work the whole range runs on the
 * calling thread, so small tensors pay no task overhead.
 *
 * <p>The pool has one thread per core; the system property {@code rlhf4j.cpu.threads} overrides that (1 runs
 * everything on the calling thread, with the same chunks and so the same results).
 */
public final class Parallel {
    private Parallel() {}

    /** Elements of work per chunk: big enough to amortise a task (~microseconds), small enough to balance. */
    public static final long GRAIN = 1L << 15;

    /**
     * Work (elements) below which a call's chunks all run on the calling thread, in chunk order: the same chunks and
     * so the same bits, without waking the pool. Each wake-up (futexes, the caller parked, caches moved; dear on a
     * VM) ate the gain below about this size: the PPO demo's iteration ran faster on one thread than on two.
     */
    public static final long DISPATCH_WORK = Long.getLong("rlhf4j.cpu.dispatchWork", 1L << 20);

    /** At most this many chunks per call. */
    public static final int MAX_CHUNKS = 256;

    private static final ForkJoinPool POOL = new ForkJoinPool(
            Integer.getInteger("rlhf4j.cpu.threads", Runtime.getRuntime().availableProcessors()),
            pool -> {
                ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
                t.setName("rlhf4j-cpu-" + t.getPoolIndex());
                t.setDaemon(true);
                return t;
            }, null, false);

    /** Body of one chunk: rows [start, end). */
    @FunctionalInterface
    public interface Range {
        void run(long start, long end);
    }

    /** Body of one chunk that also knows its index (for per-chunk partial results). */
    @FunctionalInterface
    public interface Chunk {
        void run(int chunk, long start, long end);
    }

    /** Number of threads in the pool. */
    public static int threads() { return POOL.getParallelism(); }

    /** How many chunks {@code rows} rows of {@code costPerRow} elements each are split into (a function of sizes only). */
    public static int chunks(long rows, long costPerRow) {
        if (rows <= 1) return 1;
        long work = rows * Math.max(costPerRow, 1);
        long c = Math.min(work / GRAIN, Math.min(rows, MAX_CHUNKS));
        return (int) Math.max(c, 1);
    }

    /** First row of chunk i when rows are split into n chunks (chunk sizes differ by at most one). */
    public static long chunkStart(long rows, int n, int i) { return rows * i / n; }

    /** Runs body over [0, rows) split into {@link #chunks} ranges, in parallel when there is more than one. */
    public static void forRange(long rows, long costPerRow, Range body) {
        forChunks(rows, costPerRow, (c, s, e) -> body.run(s, e));
    }

    /** Like {@link #forRange} but passes each chunk's index; chunk i always covers the same rows for given sizes. */
    public static void forChunks(long rows, long costPerRow, Chunk body) {
        int n = chunks(rows, costPerRow);
        if (n == 1 || threads() == 1 || rows * Math.max(costPerRow, 1) < DISPATCH_WORK) {
            for (int i = 0; i < n; i++) body.run(i, chunkStart(rows, n, i), chunkStart(rows, n, i + 1));
            return;
        }
        Split task = new Split(body, rows, n, 0, n);
        if (inPool()) task.invoke(); else POOL.invoke(task);
    }

    /**
     * Runs body over [0, total) cut into exactly {@code parts} near-equal ranges, in parallel. For work whose
     * result does not depend on where it is cut (each output computed whole by one range), such as GEMM blocks.
     */
    public static void forParts(long total, int parts, Range body) {
        int n = (int) Math.max(1, Math.min(parts, total));
        if (n == 1 || threads() == 1) {
            body.run(0, total);
            return;
        }
        Split task = new Split((c, s, e) -> body.run(s, e), total, n, 0, n);
        if (inPool()) task.invoke(); else POOL.invoke(task);
    }

    private static boolean inPool() {
        return Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == POOL;
    }

    /** Halves the chunk range until one chunk is left, so idle workers steal the other halves. */
    private static final class Split extends RecursiveAction {
        final Chunk body;
        final long rows;
        final int n, lo, hi;

        Split(Chunk body, long rows, int n, int lo, int hi) {
            this.body = body; this.rows = rows; this.n = n; this.lo = lo; this.hi = hi;
        }

        @Override protected void compute() {
            if (hi - lo == 1) {
                body.run(lo, chunkStart(rows, n, lo), chunkStart(rows, n, lo + 1));
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Split(body, rows, n, lo, mid), new Split(body, rows, n, mid, hi));
        }
    }
}
