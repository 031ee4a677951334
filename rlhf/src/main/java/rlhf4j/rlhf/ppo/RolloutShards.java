package rlhf4j.rlhf.ppo;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import rlhf4j.autograd.dist.DataParallel;
import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.Tensor;
import rlhf4j.tensor.dist.Collective;
import rlhf4j.transformer.generate.Generation;
import rlhf4j.transformer.generate.Generator;
import rlhf4j.transformer.generate.SamplingConfig;

/**
 * PPO's rollout phase over the ranks of a data-parallel job. Each rank generates and scores a contiguous share of
 * the iteration's B prompts, with the random stream row r would have in a single process, then every rank gathers
 * the whole batch (ids, log-probs, scores: small beside the weights). The batch-wide statistics — GAE's inputs,
 * advantage whitening, score means, KL, GRPO's group statistics — are thus computed over all B rows exactly as one
 * process computes them. Shared by PPO and the critic-free methods (GRPO, RLOO).
 */
public final class RolloutShards {
    private final Collective world;
    private long commNanos;                               // spent in gathers and sums since the last take

    public RolloutShards(Collective world) { this.world = world; }

    /** Seconds spent communicating since the last call. */
    public double takeSeconds() {
        double s = commNanos / 1e9;
        commNanos = 0;
        return s;
    }

    private List<byte[]> gather(byte[] mine) {
        long t0 = System.nanoTime();
        List<byte[]> all = world.allGather(mine);
        commNanos += System.nanoTime() - t0;
        return all;
    }

    /** This rank's rows of a batch of b. */
    public DataParallel.Share share(int b) { return DataParallel.share(b, world.rank(), world.size()); }

    /** Generates this rank's rows (row r drawing from CounterRng.bits(seed, r), as a single process does) and gathers all. */
    public Generation generate(Generator generator, int[][] prompts, SamplingConfig sampling, long seed) {
        DataParallel.Share s = share(prompts.length);
        byte[] mine = new byte[0];
        if (s.count() > 0) {
            long[] rowSeeds = new long[s.count()];
            for (int i = 0; i < rowSeeds.length; i++) rowSeeds[i] = CounterRng.bits(seed, s.start() + i);
            Generation g = generator.generate(Arrays.copyOfRange(prompts, s.start(), s.end()), sampling, rowSeeds, null);
            mine = encode(g.tokens(), g.logProbs());
        }
        int[][] tokens = new int[prompts.length][];
        float[][] logProbs = new float[prompts.length][];
        int row = 0;
        for (byte[] part : gather(mine)) row = decode(part, tokens, logProbs, row);
        if (row != prompts.length) throw new IllegalStateException("gathered " + row + " rollout rows, expected " + prompts.length);
        return new Generation(prompts, tokens, logProbs);
    }

    /** Scores this rank's rows with {@code scoreRows} (given [start, end)) and gathers the B scores in row order. */
    public float[] score(int b, java.util.function.BiFunction<Integer, Integer, float[]> scoreRows) {
        DataParallel.Share s = share(b);
        float[] mine = s.count() > 0 ? scoreRows.apply(s.start(), s.end()) : new float[0];
        ByteBuffer buf = ByteBuffer.allocate(4 * mine.length);
        for (float f : mine) buf.putFloat(f);
        float[] out = new float[b];
        int at = 0;
        for (byte[] part : gather(buf.array())) {
            ByteBuffer in = ByteBuffer.wrap(part);
            while (in.hasRemaining()) out[at++] = in.getFloat();
        }
        return out;
    }

    /** Element-wise sums over ranks of arrays that each rank filled at its own positions (zeros elsewhere). */
    public void sumInPlace(List<float[]> arrays) {
        for (float[] a : arrays) {
            Tensor t = Tensor.of(a);
            long t0 = System.nanoTime();
            world.allReduce(t, Collective.Op.SUM);
            commNanos += System.nanoTime() - t0;
            System.arraycopy(t.toFloatArray(), 0, a, 0, a.length);
            t.free();
        }
    }

    /** This rank's contiguous share of a minibatch's rows. */
    public int[] mine(int[] rows) {
        DataParallel.Share s = share(rows.length);
        return Arrays.copyOfRange(rows, s.start(), s.end());
    }

    /** This rank's share of each minibatch's rows; empty shares are left out. */
    public List<int[]> mine(List<int[]> minibatches) {
        List<int[]> out = new java.util.ArrayList<>();
        for (int[] rows : minibatches) {
            int[] m = mine(rows);
            if (m.length > 0) out.add(m);
        }
        return out;
    }

    /** Sums over ranks of a few numbers (losses whose means were taken over the whole minibatch). */
    public double[] sum(double... values) {
        long t0 = System.nanoTime();
        double[] out = world.allReduce(values, Collective.Op.SUM);
        commNanos += System.nanoTime() - t0;
        return out;
    }

    /** The ranks' ratio statistics combined: means are already over the whole minibatch's tokens, so they add. */
    public MinibatchStats.Ratios acrossRanks(MinibatchStats.Ratios mine) {
        double[] sums = sum(mine.mean(), mine.clipFraction(), mine.approxKl());
        long t0 = System.nanoTime();
        double[] max = world.allReduce(new double[]{mine.max(), -mine.min()}, Collective.Op.MAX);
        commNanos += System.nanoTime() - t0;
        return new MinibatchStats.Ratios(-max[1], sums[0], max[0], sums[1], sums[2]);
    }

    private static byte[] encode(int[][] tokens, float[][] logProbs) {
        int bytes = 4;
        for (int[] t : tokens) bytes += 4 + 8 * t.length;
        ByteBuffer buf = ByteBuffer.allocate(bytes).putInt(tokens.length);
        for (int r = 0; r < tokens.length; r++) {
            buf.putInt(tokens[r].length);
            for (int id : tokens[r]) buf.putInt(id);
            for (float lp : logProbs[r]) buf.putFloat(lp);
        }
        return buf.array();
    }

    private static int decode(byte[] part, int[][] tokens, float[][] logProbs, int row) {
        if (part.length == 0) return row;
        ByteBuffer in = ByteBuffer.wrap(part);
        int rows = in.getInt();
        for (int i = 0; i < rows; i++, row++) {
            int n = in.getInt();
            tokens[row] = new int[n];
            logProbs[row] = new float[n];
            for (int k = 0; k < n; k++) tokens[row][k] = in.getInt();
            for (int k = 0; k < n; k++) logProbs[row][k] = in.getFloat();
        }
        return row;
    }
}
