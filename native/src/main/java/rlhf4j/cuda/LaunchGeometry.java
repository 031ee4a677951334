package rlhf4j.cuda;

/**
 * Grid and block sizes for the three kernel shapes used here. Every kernel loops (grid-stride over elements or
 * over rows), so the grid may be capped without losing work.
 *
 * @param blocks  grid size in x (0 means there is nothing to launch)
 * @param threads block size in x, a multiple of 32 (the block reductions rely on whole warps)
 */
record LaunchGeometry(int blocks, int threads) {
    /** Threads per block for elementwise kernels: a common sweet spot for memory-bound work. */
    static final int ELEMENTWISE_THREADS = 256;
    /** Cap on the grid: far more blocks than any GPU runs at once, so grid-stride loops stay short. */
    static final int MAX_BLOCKS = 65_536;
    static final int MAX_THREADS = 1024;

    LaunchGeometry {
        if (blocks < 0 || threads < 32 || threads > MAX_THREADS || threads % 32 != 0)
            throw new IllegalArgumentException("bad launch geometry: " + blocks + " blocks of " + threads + " threads");
    }

    boolean isEmpty() { return blocks == 0; }

    /** One thread per element, n elements. */
    static LaunchGeometry elementwise(long n) {
        if (n < 0) throw new IllegalArgumentException("negative element count " + n);
        long blocks = (n + ELEMENTWISE_THREADS - 1) / ELEMENTWISE_THREADS;
        return new LaunchGeometry((int) Math.min(blocks, MAX_BLOCKS), ELEMENTWISE_THREADS);
    }

    /**
     * One block per row of length rowLength: a power of two between 32 and 1024 threads, the smallest that covers
     * the row (row kernels reduce in shared memory with a power-of-two tree).
     */
    static LaunchGeometry rows(long rows, long rowLength) {
        if (rows < 0 || rowLength < 0) throw new IllegalArgumentException("negative size: " + rows + " rows of " + rowLength);
        int threads = 32;
        while (threads < MAX_THREADS && threads < rowLength) threads <<= 1;
        return new LaunchGeometry((int) Math.min(rows, MAX_BLOCKS), threads);
    }
}
