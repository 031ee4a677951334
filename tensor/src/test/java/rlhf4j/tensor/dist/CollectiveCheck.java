package rlhf4j.tensor.dist;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import rlhf4j.tensor.Tensor;

/**
 * Run under mpirun by {@link MpiCollectiveTest}: checks every collective of the world against its definition on
 * random data that each rank can regenerate for every other rank (seeded by rank), prints "rank R of N: ok" and
 * exits 0, or prints the first mismatch and exits 1.
 */
public final class CollectiveCheck {
    public static void main(String[] args) {
        Collective world = Collectives.world();
        int rank = world.rank(), n = world.size();
        try {
            checkAllReduce(world, rank, n);
            checkBroadcast(world, rank, n);
            checkAllGather(world, rank, n);
            checkReduceScatter(world, rank, n);
            checkBytes(world, rank, n);
            world.barrier();
            System.out.println("rank " + rank + " of " + n + ": ok");
        } catch (AssertionError | RuntimeException e) {
            System.out.println("rank " + rank + " of " + n + ": FAILED " + e.getMessage());
            System.out.flush();
            world.abort(1, e.toString());
            System.exit(1);
        }
        world.close();
    }

    static float[] data(int rank, int count) {
        SplittableRandom r = new SplittableRandom(1000 + rank);
        float[] x = new float[count];
        for (int i = 0; i < count; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return x;
    }

    private static void checkAllReduce(Collective world, int rank, int n) {
        int count = 100_003;
        for (Collective.Op op : Collective.Op.values()) {
            Tensor t = Tensor.of(data(rank, count));
            world.allReduce(t, op);
            float[] got = t.toFloatArray();
            for (int i = 0; i < count; i++) {
                double sum = 0, max = Double.NEGATIVE_INFINITY;
                for (int r = 0; r < n; r++) { float v = data(r, count)[i]; sum += v; max = Math.max(max, v); }
                if (i > 50) break;                                                // full check below, cheaply
                double want = op == Collective.Op.MAX ? max : op == Collective.Op.SUM ? sum : sum / n;
                close("all-reduce " + op + " [" + i + "]", want, got[i]);
            }
            float[][] all = new float[n][];
            for (int r = 0; r < n; r++) all[r] = data(r, count);
            for (int i = 0; i < count; i++) {
                double sum = 0, max = Double.NEGATIVE_INFINITY;
                for (int r = 0; r < n; r++) { sum += all[r][i]; max = Math.max(max, all[r][i]); }
                double want = op == Collective.Op.MAX ? max : op == Collective.Op.SUM ? sum : sum / n;
                close("all-reduce " + op + " [" + i + "]", want, got[i]);
            }
        }
        double[] d = world.allReduce(new double[]{rank, 1, rank * 0.5}, Collective.Op.SUM);
        double ranks = n * (n - 1) / 2.0;
        close("all-reduce doubles", ranks, d[0]);
        close("all-reduce doubles", n, d[1]);
        close("all-reduce doubles", ranks / 2, d[2]);
    }

    private static void checkBroadcast(Collective world, int rank, int n) {
        int root = n - 1;
        Tensor t = Tensor.of(data(rank, 777));
        world.broadcast(t, root);
        if (!Arrays.equals(t.toFloatArray(), data(root, 777))) throw new AssertionError("broadcast from " + root + " differs");
        byte[] got = world.broadcast(rank == root ? "from the root".getBytes(StandardCharsets.UTF_8) : null, root);
        if (!new String(got, StandardCharsets.UTF_8).equals("from the root")) throw new AssertionError("byte broadcast");
    }

    private static void checkAllGather(Collective world, int rank, int n) {
        Tensor all = world.allGather(Tensor.of(data(rank, 257)));
        float[] got = all.toFloatArray();
        for (int r = 0; r < n; r++)
            if (!Arrays.equals(Arrays.copyOfRange(got, r * 257, (r + 1) * 257), data(r, 257)))
                throw new AssertionError("all-gather block " + r + " differs");
    }

    private static void checkReduceScatter(Collective world, int rank, int n) {
        int shard = 1001;
        Tensor full = Tensor.of(data(rank, shard * n));
        Tensor mine = Tensor.zeros(shard);
        world.reduceScatter(Collective.hostSlice(full), Collective.hostSlice(mine), Collective.Op.AVERAGE);
        float[] got = mine.toFloatArray();
        for (int i = 0; i < shard; i++) {
            double sum = 0;
            for (int r = 0; r < n; r++) sum += data(r, shard * n)[rank * shard + i];
            close("reduce-scatter [" + i + "]", sum / n, got[i]);
            if (i > 20) break;
        }
    }

    private static void checkBytes(Collective world, int rank, int n) {
        byte[] mine = ("rank " + rank + " " + "x".repeat(rank * 3)).getBytes(StandardCharsets.UTF_8);
        List<byte[]> all = world.allGather(mine);
        for (int r = 0; r < n; r++)
            if (!new String(all.get(r), StandardCharsets.UTF_8).equals("rank " + r + " " + "x".repeat(r * 3)))
                throw new AssertionError("byte all-gather from " + r);
        List<byte[]> parts = new ArrayList<>();
        for (int r = 0; r < n; r++) parts.add(("for " + r).repeat(r + 1).getBytes(StandardCharsets.UTF_8));
        byte[] got = world.scatter(rank == 0 ? parts : null, 0);
        if (!Arrays.equals(got, parts.get(rank))) throw new AssertionError("scatter to " + rank);
        List<byte[]> gathered = world.gather(mine, 0);
        if (rank == 0 ? gathered.size() != n || !Arrays.equals(gathered.get(n - 1), all.get(n - 1)) : !gathered.isEmpty())
            throw new AssertionError("gather at " + rank);
    }

    private static void close(String what, double want, double got) {
        if (Math.abs(want - got) > 1e-5 * Math.max(1, Math.abs(want)))
            throw new AssertionError(what + ": want " + want + ", got " + got);
    }
}
