package rlhf4j.tensor.blas;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * GEMM in pure Java with the Vector API: the classic blocked algorithm of GotoBLAS/BLIS, written to be read.
 *
 * <pre>
 *   C (M×N) is cut into tiles of MC×NC, computed in parallel on a ForkJoinPool (one tile per task).
 *   For one tile, the K dim is walked in slices of KC:
 *     pack  A[tile rows, slice]  (MC×KC) into row slivers of MR rows, p-major:  ap[sliver][p][r]
 *     pack  B[slice, tile cols]  (KC×NC) into column slivers of NR columns:     bp[sliver][p][c]
 *     for every NR-column sliver of B, for every MR-row sliver of A:
 *       micro-kernel: an MR×NR block of A·B accumulated in registers over the KC slice, then C += alpha·block.
 * </pre>
 *
 * Why it is fast: the micro-kernel keeps MR×NR sums in MR·2 vector registers and does MR·2 fused multiply-adds per
 * two vector loads of B and MR scalar broadcasts of A, so it is bound by FMA throughput, not by memory. Packing
 * makes both operands contiguous in the order the kernel reads them (whatever the transposes and leading dims
 * were), and the block sizes keep the A block in L2 and a B sliver in L1 while they are reused. Edges are handled
 * by zero padding in the packed panels and by a scalar write-back of the partial tile.
 *
 * <p>Threads: {@code -Drlhf4j.blas.threads=N}, default all available processors. Small products run on the
 * calling thread.
 */
public final class JavaBlas implements Blas {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();          // 16 with AVX-512, 8 with AVX2
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    /** Micro-tile: MR rows × NR columns of C held in 2·MR vector registers (12 of the 16 or 32 there are). */
    static final int MR = 6, NR = 2 * LANES;
    /**
     * Cache blocks (measured best of a few on a Zen 4 core): the packed MC×KC block of A (192 KiB) stays in L2
     * while it is reused for every sliver of B, the KC×NC panel of B (512 KiB) in L2/L3, a KC×NR sliver of B
     * (32 KiB with AVX-512) about fills L1 while it meets every sliver of A.
     */
    static final int MC = 32 * MR, KC = 256, NC = 512;
    /** Below this many multiply-adds a product is not worth splitting over threads. */
    private static final long PARALLEL_THRESHOLD = 1L << 18;
    /** A thread that owns nothing: segments it may access are not confined to the caller (see sgemm). */
    private static final Thread SOME_OTHER_THREAD = Thread.ofVirtual().unstarted(() -> {});

    private final ForkJoinPool pool;
    private final int threads;
    // per-thread packing buffers, reused across calls: A block (MC×KC) and B panel (KC×NC)
    private final ThreadLocal<float[]> packedA = ThreadLocal.withInitial(() -> new float[MC * KC]);
    private final ThreadLocal<float[]> packedB = ThreadLocal.withInitial(() -> new float[KC * NC]);

    public JavaBlas() {
        this(Integer.getInteger("rlhf4j.blas.threads", Runtime.getRuntime().availableProcessors()));
    }

    public JavaBlas(int threads) {
        if (threads < 1) throw new IllegalArgumentException("JavaBlas needs at least 1 thread, got " + threads);
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads, p -> {
            var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            t.setName("rlhf4j-javablas-" + t.getPoolIndex());
            t.setDaemon(true);
            return t;
        }, null, false);
    }

    @Override public String name() { return "java"; }

    @Override public boolean multiThreaded() { return threads > 1; }

    /** The operands of one call, with the tile sizes chosen for it. */
    private record Gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                        MemorySegment a, long aOffset, int lda, MemorySegment b, long bOffset, int ldb,
                        float beta, MemorySegment c, long cOffset, int ldc, int mc, int nc) {
        int rowTiles() { return ceilDiv(m, mc); }
        int colTiles() { return ceilDiv(n, nc); }
    }

    @Override public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                MemorySegment a, long aOffset, int lda, MemorySegment b, long bOffset, int ldb,
                                float beta, MemorySegment c, long cOffset, int ldc) {
        Blas.checkArguments(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
        if (m == 0 || n == 0) return;
        // memory of a confined Arena may only be touched by its owner thread: such calls stay on this thread
        boolean shareable = a.isAccessibleBy(SOME_OTHER_THREAD) && b.isAccessibleBy(SOME_OTHER_THREAD)
                && c.isAccessibleBy(SOME_OTHER_THREAD);
        boolean parallel = pool != null && shareable && (long) m * n * k >= PARALLEL_THRESHOLD;
        int nc = Math.min(NC, roundUp(n, NR));
        // enough row tiles that every thread gets about four tiles (balance), but never more than MC rows each
        int wantRowTiles = parallel ? ceilDiv(4 * threads, ceilDiv(n, nc)) : 1;
        int mc = Math.min(MC, roundUp(ceilDiv(m, wantRowTiles), MR));
        Gemm g = new Gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc,
                mc, nc);
        int tiles = g.rowTiles() * g.colTiles();
        if (parallel && tiles > 1) pool.invoke(new Tiles(g, 0, tiles));
        else for (int t = 0; t < tiles; t++) tile(g, t);
    }

    /** Tiles [from, to) of one call, split in halves until one tile per task. */
    private final class Tiles extends RecursiveAction {
        private final Gemm g;
        private final int from, to;

        Tiles(Gemm g, int from, int to) { this.g = g; this.from = from; this.to = to; }

        @Override protected void compute() {
            if (to - from == 1) { tile(g, from); return; }
            int mid = (from + to) >>> 1;
            invokeAll(new Tiles(g, from, mid), new Tiles(g, mid, to));
        }
    }

    /** Computes one MC×NC tile of C completely (all of K). */
    private void tile(Gemm g, int t) {
        int i0 = (t / g.colTiles()) * g.mc(), j0 = (t % g.colTiles()) * g.nc();
        int mc = Math.min(g.mc(), g.m() - i0), nc = Math.min(g.nc(), g.n() - j0);
        scaleC(g, i0, j0, mc, nc);
        float[] ap = packedA.get(), bp = packedB.get();
        float[] sums = new float[MR * NR];   // one micro-tile of results on its way to C
        float[] line = new float[KC];        // one row of A or column of Bᵀ on its way into a packed sliver
        for (int p0 = 0; p0 < g.k(); p0 += KC) {
            int kc = Math.min(KC, g.k() - p0);
            packA(g, i0, p0, mc, kc, ap, line);
            packB(g, p0, j0, kc, nc, bp, line);
            for (int jr = 0; jr < nc; jr += NR) {
                for (int ir = 0; ir < mc; ir += MR) {
                    long cAt = g.cOffset() + (long) (i0 + ir) * g.ldc() + j0 + jr;
                    microKernel(kc, ap, ir * kc, bp, jr * kc, sums, g.alpha(), g.c(), cAt, g.ldc(),
                            Math.min(MR, mc - ir), Math.min(NR, nc - jr));
                }
            }
        }
    }

    /** C[tile] *= beta before the products are added; beta 0 overwrites (C may hold garbage, even NaN). */
    private static void scaleC(Gemm g, int i0, int j0, int mc, int nc) {
        if (g.beta() == 1f) return;
        for (int i = 0; i < mc; i++) {
            long row = g.cOffset() + (long) (i0 + i) * g.ldc() + j0;
            for (int j = 0; j < nc; j++) {
                float v = g.beta() == 0f ? 0f : g.beta() * g.c().getAtIndex(F, row + j);
                g.c().setAtIndex(F, row + j, v);
            }
        }
    }

    /**
     * ap (MC×KC) ← A[i0 : i0+mc, p0 : p0+kc] as slivers of MR rows; within a sliver, element (r, p) sits at
     * p·MR + r so the kernel reads the MR values of one column together. Rows past mc are zero.
     */
    private static void packA(Gemm g, int i0, int p0, int mc, int kc, float[] ap, float[] line) {
        // A(i, p) = a[aOffset + i·lda + p], or a[aOffset + p·lda + i] when stored transposed
        long rowStep = g.transA() ? 1 : g.lda(), colStep = g.transA() ? g.lda() : 1;
        for (int ir = 0; ir < mc; ir += MR) {
            long origin = g.aOffset() + (i0 + ir) * rowStep + p0 * colStep;
            packSliver(g.a(), origin, rowStep, colStep, Math.min(MR, mc - ir), MR, kc, ap, ir * kc, line);
        }
    }

    /** bp (KC×NC) ← B[p0 : p0+kc, j0 : j0+nc] as slivers of NR columns; element (p, c) at p·NR + c; zero padded. */
    private static void packB(Gemm g, int p0, int j0, int kc, int nc, float[] bp, float[] line) {
        // B(p, j) = b[bOffset + p·ldb + j], or b[bOffset + j·ldb + p] when stored transposed
        long colStep = g.transB() ? g.ldb() : 1, rowStep = g.transB() ? 1 : g.ldb();
        for (int jr = 0; jr < nc; jr += NR) {
            long origin = g.bOffset() + (j0 + jr) * colStep + p0 * rowStep;
            packSliver(g.b(), origin, colStep, rowStep, Math.min(NR, nc - jr), NR, kc, bp, jr * kc, line);
        }
    }

    /**
     * One sliver: dst[at + p·width + l] = src[origin + l·lineStep + p·pStep] for l < lines, p < kc, and 0 for
     * lines ≤ l < width (zero padding: the kernel computes full slivers, the extra results are never stored).
     * Either the lines or the p's are contiguous in src, so every read is a bulk copy.
     */
    private static void packSliver(MemorySegment src, long origin, long lineStep, long pStep, int lines, int width,
                                   int kc, float[] dst, int at, float[] line) {
        if (lineStep == 1) {   // for each p the lines sit side by side: copy them straight into place
            for (int p = 0; p < kc; p++) {
                int d = at + p * width;
                MemorySegment.copy(src, F, (origin + p * pStep) * Float.BYTES, dst, d, lines);
                for (int l = lines; l < width; l++) dst[d + l] = 0f;
            }
        } else {               // each line is contiguous over p: copy it to a scratch row, then interleave
            for (int l = 0; l < width; l++) {
                if (l < lines) MemorySegment.copy(src, F, (origin + l * lineStep) * Float.BYTES, line, 0, kc);
                for (int p = 0; p < kc; p++) dst[at + p * width + l] = l < lines ? line[p] : 0f;
            }
        }
    }

    /**
     * C[MR×NR block at cAt] += Σ_p ap[p][r] · bp[p][c] over one KC slice, for the top-left rows×cols of the block.
     * Twelve accumulators c{row}{half}: row 0..5, half 0/1 = columns [0, LANES) and [LANES, 2·LANES).
     * Per step p: two vector loads of B, six broadcasts of A, twelve FMAs (MR·NR multiply-adds).
     */
    private static void microKernel(int kc, float[] ap, int aAt, float[] bp, int bAt, float[] sums, float alpha,
                                    MemorySegment c, long cAt, int ldc, int rows, int cols) {
        FloatVector z = FloatVector.zero(SPECIES);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z,
                    c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
        for (int p = 0; p < kc; p++) {
            int ai = aAt + p * MR, bi = bAt + p * NR;
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bi + LANES);
            FloatVector a0 = FloatVector.broadcast(SPECIES, ap[ai]);
            c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(SPECIES, ap[ai + 1]);
            c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(SPECIES, ap[ai + 2]);
            c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(SPECIES, ap[ai + 3]);
            c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(SPECIES, ap[ai + 4]);
            c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(SPECIES, ap[ai + 5]);
            c50 = a5.fma(b0, c50); c51 = a5.fma(b1, c51);
        }
        // spill the sums (row r at r·NR): vectors passed to another method, or kept in an array, would be boxed
        c00.intoArray(sums, 0);          c01.intoArray(sums, LANES);
        c10.intoArray(sums, NR);         c11.intoArray(sums, NR + LANES);
        c20.intoArray(sums, 2 * NR);     c21.intoArray(sums, 2 * NR + LANES);
        c30.intoArray(sums, 3 * NR);     c31.intoArray(sums, 3 * NR + LANES);
        c40.intoArray(sums, 4 * NR);     c41.intoArray(sums, 4 * NR + LANES);
        c50.intoArray(sums, 5 * NR);     c51.intoArray(sums, 5 * NR + LANES);
        addToC(sums, alpha, c, cAt, ldc, rows, cols);
    }

    /** C[rows×cols block at cAt] += alpha·sums; whole rows with vectors, a partial tile (the scalar tail) element-wise. */
    private static void addToC(float[] sums, float alpha, MemorySegment c, long cAt, int ldc, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            long row = cAt + (long) r * ldc;
            if (cols == NR) {
                for (int v = 0; v < NR; v += LANES) {
                    long at = (row + v) * Float.BYTES;
                    FloatVector.fromArray(SPECIES, sums, r * NR + v)
                            .fma(FloatVector.broadcast(SPECIES, alpha), FloatVector.fromMemorySegment(SPECIES, c, at, ORDER))
                            .intoMemorySegment(c, at, ORDER);
                }
            } else {
                for (int col = 0; col < cols; col++)
                    c.setAtIndex(F, row + col, c.getAtIndex(F, row + col) + alpha * sums[r * NR + col]);
            }
        }
    }

    private static int ceilDiv(int a, int b) { return (a + b - 1) / b; }

    private static int roundUp(int a, int b) { return ceilDiv(a, b) * b; }
}
