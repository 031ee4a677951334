package rlhf4j.tensor.dist;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link Collective} over MPI_COMM_WORLD with Open MPI's C API. F32 operations run on the caller's native memory in
 * place (MPI_IN_PLACE), with no copy; byte-array operations stage through a confined arena. MPI is initialised
 * with MPI_THREAD_SERIALIZED and every call here is synchronized, so any one thread at a time may communicate.
 * Errors return (MPI_ERRORS_RETURN) and become {@link MpiException}s naming the call.
 */
public final class MpiCollective implements Collective {
    /** The most elements one MPI call moves (its counts are C ints); larger buffers go in chunks. */
    static final int MAX_COUNT = 1 << 30;

    private final MpiLibrary mpi;
    private final int rank, size;
    private final String version;
    private boolean closed;

    private MpiCollective(MpiLibrary mpi, int rank, int size) {
        this.mpi = mpi;
        this.rank = rank;
        this.size = size;
        this.version = mpi.version();
    }

    /** Initialises MPI (once per process) and joins MPI_COMM_WORLD. */
    static MpiCollective initWorld() {
        MpiLibrary mpi = MpiLibrary.get().orElseThrow(() -> new MpiException(
                "launched by an MPI launcher but MPI is unavailable: " + MpiLibrary.unavailableReason()));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment provided = arena.allocate(JAVA_INT), out = arena.allocate(JAVA_INT);
            check(mpi, "MPI_Init_thread", (int) mpi.initThread.invokeExact(MemorySegment.NULL, MemorySegment.NULL,
                    MpiLibrary.MPI_THREAD_SERIALIZED, provided));
            if (provided.get(JAVA_INT, 0) < MpiLibrary.MPI_THREAD_SERIALIZED)
                throw new MpiException("MPI_Init_thread: this Open MPI offers thread level " + provided.get(JAVA_INT, 0)
                        + ", below MPI_THREAD_SERIALIZED (2)");
            check(mpi, "MPI_Comm_set_errhandler", (int) mpi.commSetErrhandler.invokeExact(mpi.commWorld, mpi.errorsReturn));
            check(mpi, "MPI_Comm_rank", (int) mpi.commRank.invokeExact(mpi.commWorld, out));
            int rank = out.get(JAVA_INT, 0);
            check(mpi, "MPI_Comm_size", (int) mpi.commSize.invokeExact(mpi.commWorld, out));
            return new MpiCollective(mpi, rank, out.get(JAVA_INT, 0));
        } catch (MpiException e) {
            throw e;
        } catch (Throwable t) {
            throw new MpiException("MPI_Init_thread failed: " + t);
        }
    }

    @Override public int rank() { return rank; }

    @Override public int size() { return size; }

    @Override public String describe() { return version + ", rank " + rank + " of " + size; }

    @Override public synchronized void barrier() {
        try {
            check("MPI_Barrier", (int) mpi.barrier.invokeExact(mpi.commWorld));
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public synchronized void allReduce(MemorySegment floats, long count, Op op) {
        requireNative(floats, count * 4, "all-reduce");
        MemorySegment mpiOp = op == Op.MAX ? mpi.opMax : mpi.opSum;
        try {
            for (long done = 0; done < count; done += MAX_COUNT) {
                int n = (int) Math.min(MAX_COUNT, count - done);
                check("MPI_Allreduce", (int) mpi.allreduce.invokeExact(MpiLibrary.IN_PLACE, floats.asSlice(done * 4),
                        n, mpi.floatType, mpiOp, mpi.commWorld));
            }
        } catch (Throwable t) { throw rethrow(t); }
        if (op == Op.AVERAGE) Collective.scale(floats, count, size);
    }

    @Override public synchronized void broadcast(MemorySegment bytes, int root) {
        requireNative(bytes, bytes.byteSize(), "broadcast");
        checkRoot(root);
        try {
            for (long done = 0; done < bytes.byteSize(); done += MAX_COUNT) {
                int n = (int) Math.min(MAX_COUNT, bytes.byteSize() - done);
                check("MPI_Bcast", (int) mpi.bcast.invokeExact(bytes.asSlice(done), n, mpi.byteType, root, mpi.commWorld));
            }
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public synchronized void allGather(MemorySegment mine, MemorySegment all) {
        requireNative(mine, mine.byteSize(), "all-gather");
        requireNative(all, mine.byteSize() * size, "all-gather output");
        int n = Math.toIntExact(mine.byteSize());
        try {
            check("MPI_Allgather", (int) mpi.allgather.invokeExact(mine, n, mpi.byteType, all, n, mpi.byteType, mpi.commWorld));
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public synchronized void reduceScatter(MemorySegment floats, MemorySegment shard, Op op) {
        requireNative(shard, shard.byteSize(), "reduce-scatter shard");
        requireNative(floats, shard.byteSize() * size, "reduce-scatter input");
        int n = Math.toIntExact(shard.byteSize() / 4);
        MemorySegment mpiOp = op == Op.MAX ? mpi.opMax : mpi.opSum;
        try {
            check("MPI_Reduce_scatter_block", (int) mpi.reduceScatterBlock.invokeExact(floats, shard, n, mpi.floatType,
                    mpiOp, mpi.commWorld));
        } catch (Throwable t) { throw rethrow(t); }
        if (op == Op.AVERAGE) Collective.scale(shard, n, size);
    }

    @Override public synchronized double[] allReduce(double[] values, Op op) {
        MemorySegment mpiOp = op == Op.MAX ? mpi.opMax : mpi.opSum;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocateFrom(JAVA_DOUBLE, values);
            check("MPI_Allreduce", (int) mpi.allreduce.invokeExact(MpiLibrary.IN_PLACE, buf, values.length,
                    mpi.doubleType, mpiOp, mpi.commWorld));
            double[] out = buf.toArray(JAVA_DOUBLE);
            if (op == Op.AVERAGE) for (int i = 0; i < out.length; i++) out[i] /= size;
            return out;
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public synchronized byte[] broadcast(byte[] data, int root) {
        checkRoot(root);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment len = arena.allocateFrom(JAVA_INT, rank == root ? data.length : 0);
            check("MPI_Bcast", (int) mpi.bcast.invokeExact(len, 1, mpi.intType, root, mpi.commWorld));
            int n = len.get(JAVA_INT, 0);
            MemorySegment buf = rank == root ? arena.allocateFrom(JAVA_BYTE, data) : arena.allocate(Math.max(n, 1));
            check("MPI_Bcast", (int) mpi.bcast.invokeExact(buf, n, mpi.byteType, root, mpi.commWorld));
            return buf.asSlice(0, n).toArray(JAVA_BYTE);
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public synchronized List<byte[]> allGather(byte[] mine) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment counts = arena.allocate(JAVA_INT, size);
            MemorySegment myCount = arena.allocateFrom(JAVA_INT, mine.length);
            check("MPI_Allgather", (int) mpi.allgather.invokeExact(myCount, 1, mpi.intType, counts, 1, mpi.intType,
                    mpi.commWorld));
            MemorySegment displs = displacements(arena, counts);
            MemorySegment all = arena.allocate(Math.max(1, total(counts)));
            check("MPI_Allgatherv", (int) mpi.allgatherv.invokeExact(native_(arena, mine), mine.length, mpi.byteType,
                    all, counts, displs, mpi.byteType, mpi.commWorld));
            return split(all, counts, displs);
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public synchronized byte[] scatter(List<byte[]> parts, int root) {
        checkRoot(root);
        if (rank == root && parts.size() != size)
            throw new IllegalArgumentException("scatter over " + size + " ranks needs " + size + " parts, got " + parts.size());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment counts = arena.allocate(JAVA_INT, size);
            if (rank == root) for (int r = 0; r < size; r++) counts.setAtIndex(JAVA_INT, r, parts.get(r).length);
            check("MPI_Bcast", (int) mpi.bcast.invokeExact(counts, size, mpi.intType, root, mpi.commWorld));
            MemorySegment displs = displacements(arena, counts);
            MemorySegment send = arena.allocate(Math.max(1, total(counts)));
            if (rank == root) for (int r = 0; r < size; r++)
                MemorySegment.copy(parts.get(r), 0, send, JAVA_BYTE, displs.getAtIndex(JAVA_INT, r), parts.get(r).length);
            int mine = counts.getAtIndex(JAVA_INT, rank);
            MemorySegment recv = arena.allocate(Math.max(1, mine));
            check("MPI_Scatterv", (int) mpi.scatterv.invokeExact(send, counts, displs, mpi.byteType, recv, mine,
                    mpi.byteType, root, mpi.commWorld));
            return recv.asSlice(0, mine).toArray(JAVA_BYTE);
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public synchronized List<byte[]> gather(byte[] mine, int root) {
        checkRoot(root);
        List<byte[]> all = allGather(mine);            // lengths must reach root anyway; these buffers are small
        return rank == root ? all : List.of();
    }

    @Override public void abort(int code, String message) {
        PrintStream err = System.err;
        if (message != null) err.println("rank " + rank + " of " + size + ": " + message);
        err.flush();
        System.out.flush();
        try {
            int rc = (int) mpi.abort.invokeExact(mpi.commWorld, code);
        } catch (Throwable ignored) {
            // MPI_Abort does not return; if it does, the caller exits with the error anyway
        }
    }

    @Override public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            check("MPI_Finalize", (int) mpi.finalizeCall.invokeExact());
        } catch (Throwable t) { throw rethrow(t); }
    }

    // ============================================================================================ helpers

    private static MemorySegment native_(Arena arena, byte[] bytes) {
        return bytes.length == 0 ? arena.allocate(1) : arena.allocateFrom(JAVA_BYTE, bytes);
    }

    private MemorySegment displacements(Arena arena, MemorySegment counts) {
        MemorySegment displs = arena.allocate(JAVA_INT, size);
        long at = 0;
        for (int r = 0; r < size; r++) {
            displs.setAtIndex(JAVA_INT, r, Math.toIntExact(at));
            at += counts.getAtIndex(JAVA_INT, r);
        }
        return displs;
    }

    private long total(MemorySegment counts) {
        long sum = 0;
        for (int r = 0; r < size; r++) sum += counts.getAtIndex(JAVA_INT, r);
        return sum;
    }

    private List<byte[]> split(MemorySegment all, MemorySegment counts, MemorySegment displs) {
        List<byte[]> out = new ArrayList<>(size);
        for (int r = 0; r < size; r++)
            out.add(all.asSlice(displs.getAtIndex(JAVA_INT, r), counts.getAtIndex(JAVA_INT, r)).toArray(JAVA_BYTE));
        return out;
    }

    private void checkRoot(int root) {
        if (root < 0 || root >= size) throw new IllegalArgumentException("root " + root + " is not a rank of 0 … " + (size - 1));
    }

    private static void requireNative(MemorySegment seg, long bytes, String what) {
        if (!seg.isNative()) throw new IllegalArgumentException(what + ": MPI needs native memory, got a heap segment");
        if (seg.byteSize() < bytes)
            throw new IllegalArgumentException(what + ": segment of " + seg.byteSize() + " bytes, need " + bytes);
    }

    private void check(String call, int rc) { check(mpi, call, rc); }

    private static void check(MpiLibrary mpi, String call, int rc) {
        if (rc != MpiLibrary.MPI_SUCCESS) throw new MpiException(call + " failed: " + mpi.errorText(rc));
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new MpiException("MPI call failed: " + t);
    }
}
