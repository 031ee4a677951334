package rlhf4j.tensor.dist;

import java.lang.foreign.MemorySegment;
import java.util.List;

/** The world of one process: every collective is the identity (a reduction over one rank is its own value). */
public final class SingleRank implements Collective {
    public static final SingleRank INSTANCE = new SingleRank();

    private SingleRank() {}

    @Override public int rank() { return 0; }

    @Override public int size() { return 1; }

    @Override public String describe() { return "single process (rank 0 of 1)"; }

    @Override public void barrier() {}

    @Override public void allReduce(MemorySegment floats, long count, Op op) {}

    @Override public void broadcast(MemorySegment bytes, int root) { checkRoot(root); }

    @Override public void allGather(MemorySegment mine, MemorySegment all) {
        if (all.byteSize() != mine.byteSize())
            throw new IllegalArgumentException("all-gather of " + mine.byteSize() + " bytes over 1 rank needs "
                    + mine.byteSize() + " bytes of output, got " + all.byteSize());
        if (!all.equals(mine)) all.copyFrom(mine);
    }

    @Override public void reduceScatter(MemorySegment floats, MemorySegment shard, Op op) {
        if (shard.byteSize() != floats.byteSize())
            throw new IllegalArgumentException("reduce-scatter over 1 rank: the shard is the whole buffer ("
                    + floats.byteSize() + " bytes), got " + shard.byteSize());
        if (!shard.equals(floats)) shard.copyFrom(floats);
    }

    @Override public double[] allReduce(double[] values, Op op) { return values.clone(); }

    @Override public byte[] broadcast(byte[] data, int root) {
        checkRoot(root);
        return data.clone();
    }

    @Override public List<byte[]> allGather(byte[] mine) { return List.of(mine.clone()); }

    @Override public byte[] scatter(List<byte[]> parts, int root) {
        checkRoot(root);
        if (parts.size() != 1) throw new IllegalArgumentException("scatter over 1 rank needs 1 part, got " + parts.size());
        return parts.getFirst().clone();
    }

    @Override public List<byte[]> gather(byte[] mine, int root) {
        checkRoot(root);
        return List.of(mine.clone());
    }

    @Override public void abort(int code, String message) {}

    @Override public void close() {}

    private static void checkRoot(int root) {
        if (root != 0) throw new IllegalArgumentException("root " + root + " is not a rank of a 1-rank world");
    }
}
