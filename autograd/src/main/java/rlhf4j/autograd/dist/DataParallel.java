package rlhf4j.autograd.dist;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import rlhf4j.autograd.Parameter;
import rlhf4j.tensor.DType;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.dist.Collective;

/**
 * Synchronous data parallelism (PyTorch DDP's scheme without its overlap): every rank holds the same parameters,
 * computes gradients on its own share of the global batch, and {@link #reduceGradients} combines them so that every
 * rank takes the same optimizer step.
 *
 * <p>Gradients live in flat F32 buckets of about {@code bucketBytes}: each parameter's gradient buffer is a view of
 * one bucket, so backward accumulates straight into the memory that is all-reduced, and one MPI call moves a
 * whole bucket with no copy. Buckets are filled in reverse registration order (the order backward finishes the
 * gradients). The all-reduces run after backward: the autograd engine has no per-leaf "gradient complete" hook,
 * so they do not overlap the backward pass.
 */
public final class DataParallel {
    /** PyTorch DDP's default bucket size. */
    public static final long DEFAULT_BUCKET_BYTES = 25L << 20;

    private final Collective world;
    private final Map<String, Parameter> params;
    private final List<Bucket> buckets = new ArrayList<>();
    private long reduceNanos;

    /** One flat gradient buffer and the parameters whose gradients are views of it. */
    private record Bucket(Tensor flat, List<Parameter> params, List<Tensor> views) {}

    public DataParallel(Collective world, Map<String, Parameter> params, long bucketBytes) {
        if (bucketBytes < 4) throw new IllegalArgumentException("bucket size " + bucketBytes + " bytes is below one float");
        this.world = world;
        this.params = new LinkedHashMap<>(params);
        List<Parameter> reversed = new ArrayList<>(this.params.values()).reversed();
        List<Parameter> group = new ArrayList<>();
        long groupBytes = 0;
        for (Parameter p : reversed) {
            if (!group.isEmpty() && groupBytes + p.numel() * 4 > bucketBytes) {
                buckets.add(bucket(group));
                group = new ArrayList<>();
                groupBytes = 0;
            }
            group.add(p);
            groupBytes += p.numel() * 4;
        }
        if (!group.isEmpty()) buckets.add(bucket(group));
    }

    public DataParallel(Collective world, Map<String, Parameter> params) { this(world, params, DEFAULT_BUCKET_BYTES); }

    /** Allocates a zeroed bucket and makes each parameter's gradient a view of it (existing gradients are kept). */
    private static Bucket bucket(List<Parameter> group) {
        long total = 0;
        for (Parameter p : group) total += p.numel();
        long n = total;
        Tensor flat = MemoryScope.unscoped(() -> Tensor.zeros(DType.F32, group.getFirst().value().device(), Math.toIntExact(n)));
        List<Tensor> views = new ArrayList<>();
        int at = 0;
        for (Parameter p : group) {
            Tensor view = flat.narrow(0, at, (int) p.numel()).view(p.shape());
            if (p.grad() != null) view.copyFrom(p.grad());
            p.useGradBuffer(view);
            views.add(view);
            at += (int) p.numel();
        }
        return new Bucket(flat, List.copyOf(group), List.copyOf(views));
    }

    public Collective world() { return world; }

    /** Number of all-reduce buckets. */
    public int bucketCount() { return buckets.size(); }

    /** Seconds spent in {@link #reduceGradients} since the last {@link #takeReduceSeconds()}. */
    public double takeReduceSeconds() {
        double s = reduceNanos / 1e9;
        reduceNanos = 0;
        return s;
    }

    /**
     * g ← op over ranks of g, bucket by bucket, for every parameter (a parameter without a gradient on this rank
     * counts as zeros). SUM when each rank's loss was already scaled by its share of the global batch; AVERAGE when
     * every rank computed the mean over an equal share.
     */
    public void reduceGradients(Collective.Op op) {
        long t0 = System.nanoTime();
        for (Bucket b : buckets) {
            for (int i = 0; i < b.params.size(); i++) {                   // re-attach a gradient someone replaced
                Parameter p = b.params.get(i);
                Tensor view = b.views.get(i);
                if (p.grad() != view) {
                    if (p.grad() != null) view.copyFrom(p.grad()); else view.fill(0);
                    p.useGradBuffer(view);
                }
            }
            if (world.size() > 1) world.allReduce(b.flat, op);
        }
        reduceNanos += System.nanoTime() - t0;
    }

    /** Copies rank 0's parameter values to every rank (after building or loading a model), in place. */
    public void broadcastParameters() {
        if (world.size() == 1) return;
        for (Parameter p : params.values()) world.broadcast(p.value(), 0);
    }

    /**
     * Whether every rank holds bit-identical parameters: compares a 64-bit hash of all parameter bytes across
     * ranks (one all-gather). A check for tests and for the start of a run.
     */
    public boolean parametersIdentical() {
        long h = parameterHash(params.values());
        List<byte[]> all = world.allGather(ByteBuffer.allocate(8).putLong(h).array());
        for (byte[] other : all) if (ByteBuffer.wrap(other).getLong() != h) return false;
        return true;
    }

    /** FNV-1a over the parameters' float bits in order. */
    public static long parameterHash(Iterable<Parameter> params) {
        long h = 0xcbf29ce484222325L;
        for (Parameter p : params) {
            for (float f : p.value().toFloatArray()) {
                h ^= Float.floatToRawIntBits(f);
                h *= 0x100000001b3L;
            }
        }
        return h;
    }

    /** The contiguous share [start, start + count) of n items that this rank takes (earlier ranks take the extra). */
    public Share share(int n) { return share(n, world.rank(), world.size()); }

    /** The share of n items of rank r among size ranks: counts differ by at most one. */
    public static Share share(int n, int rank, int size) {
        int base = n / size, extra = n % size;
        int start = rank * base + Math.min(rank, extra);
        return new Share(start, base + (rank < extra ? 1 : 0));
    }

    /** A contiguous range of a batch's rows. */
    public record Share(int start, int count) {
        public int end() { return start + count; }
    }

    /** Sums one value over ranks (loss totals, token counts). */
    public double sum(double value) { return world.size() == 1 ? value : world.allReduce(new double[]{value}, Collective.Op.SUM)[0]; }

    /** Element-wise sums of a few values over ranks. */
    public double[] sum(double... values) { return world.size() == 1 ? values.clone() : world.allReduce(values, Collective.Op.SUM); }


}
