package rlhf4j.tensor.dist;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import rlhf4j.tensor.DType;
import rlhf4j.tensor.Tensor;

/**
 * The ranks of one job and the collective operations between them. Every rank must call the same collectives in
 * the same order with matching sizes (MPI's rule); a mismatch hangs or fails, so callers keep their control flow
 * identical on all ranks.
 *
 * <p>Buffers are host memory: F32 operations work in place on a tensor's own segment, with no copy.
 * Byte-array operations (prompts, rollouts, statistics) copy, as they are small.
 */
public interface Collective extends AutoCloseable {

    /** Element-wise reductions: SUM y = Σ_r x_r, AVERAGE y = (1/N)·Σ_r x_r, MAX y = max_r x_r over the N ranks. */
    enum Op { SUM, AVERAGE, MAX }

    /** This process's index, 0 … size − 1. */
    int rank();

    /** The number of ranks N. */
    int size();

    /** Rank 0: the one that writes checkpoints and prints. */
    default boolean isRoot() { return rank() == 0; }

    /** What this is, for {@code rlhf4j devices} and logs: e.g. "Open MPI v4.1.4, rank 0 of 2". */
    String describe();

    /** Returns once every rank has called it. */
    void barrier();

    /** y_i = op over ranks of x_i, written over x on every rank: {@code count} floats of the native segment. */
    void allReduce(MemorySegment floats, long count, Op op);

    /** Copies root's bytes of the native segment into the same bytes on every other rank. */
    void broadcast(MemorySegment bytes, int root);

    /** all = mine(rank 0) ‖ mine(rank 1) ‖ …: every rank's equally sized block, concatenated in rank order. */
    void allGather(MemorySegment mine, MemorySegment all);

    /**
     * shard = op over ranks of floats[rank·n … (rank+1)·n), n = shard's float count: the reduced block this rank owns
     * (ZeRO's first half; {@link #allGather} of the updated shards is the second).
     */
    void reduceScatter(MemorySegment floats, MemorySegment shard, Op op);

    /** Element-wise reduction of a few doubles (losses, counts, statistics); returns a new array. */
    double[] allReduce(double[] values, Op op);

    /** Root's bytes on every rank (the other ranks' argument is ignored and may be null). */
    byte[] broadcast(byte[] data, int root);

    /** Every rank's bytes, in rank order, on every rank; the arrays may differ in length. */
    List<byte[]> allGather(byte[] mine);

    /** Root gives one array per rank; each rank gets its own (the other ranks' argument is ignored). */
    byte[] scatter(List<byte[]> parts, int root);

    /** Every rank's bytes in rank order on root; an empty list on the other ranks. */
    List<byte[]> gather(byte[] mine, int root);

    /**
     * Ends every rank of the job with the exit status {@code code}, after printing {@code message} from this rank.
     * Used when this rank fails, so the others do not wait forever in their next collective. A single rank only
     * prints nothing and returns (its caller exits with the error as usual).
     */
    void abort(int code, String message);

    /** Shuts the communicator down (MPI_Finalize); the last call of a process. */
    @Override void close();

    // ================================================================================================ tensors

    /** In-place all-reduce of a contiguous F32 host tensor (its own memory: no copy). */
    default void allReduce(Tensor t, Op op) {
        requireF32(t, "all-reduce");
        allReduce(hostSlice(t), t.numel(), op);
    }

    /** In-place broadcast of a contiguous host tensor of any dtype from root. */
    default void broadcast(Tensor t, int root) { broadcast(hostSlice(t), root); }

    /** A new (N·numel) F32 host tensor holding every rank's copy of t in rank order. */
    default Tensor allGather(Tensor t) {
        requireF32(t, "all-gather");
        Tensor all = Tensor.empty(DType.F32, t.device(), Math.toIntExact(t.numel() * size()));
        allGather(hostSlice(t), hostSlice(all));
        return all;
    }

    /** The bytes of a contiguous host tensor, as a segment of its storage. */
    static MemorySegment hostSlice(Tensor t) {
        if (!t.isContiguous())
            throw new IllegalArgumentException("collectives need a contiguous tensor, got " + t);
        if (!(t.storage() instanceof Tensor.HostAccessible host))
            throw new IllegalArgumentException("collectives work on host memory; copy " + t.device()
                    + " tensors to the CPU first (a GPU collective is the native module's)");
        long bytes = t.dtype().byteSize();
        return host.hostSegment().asSlice(t.offset() * bytes, t.numel() * bytes);
    }

    private static void requireF32(Tensor t, String what) {
        if (t.dtype() != DType.F32) throw new IllegalArgumentException(what + " needs an F32 tensor, got " + t.dtype());
    }

    /** Scales count floats by 1/n in place (AVERAGE after a SUM). */
    static void scale(MemorySegment floats, long count, int n) {
        if (n == 1) return;
        float inv = 1f / n;
        for (long i = 0; i < count; i++)
            floats.setAtIndex(ValueLayout.JAVA_FLOAT, i, floats.getAtIndex(ValueLayout.JAVA_FLOAT, i) * inv);
    }
}
