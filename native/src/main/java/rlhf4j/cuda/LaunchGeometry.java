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

    /** The two-stage column sums (norm.cu *_params_partial) give each chunk at least this many rows ... */
    static final long MIN_CHUNK_ROWS = 64;
    /** ... and cut the rows into at most this many chunks, so that the second stage (sum_partials) stays short. */
    static final long MAX_CHUNKS = 1024;

    /** Rows per chunk for column sums over {@code rows} rows. */
    static long chunkRows(long rows) {
        if (rows < 0) throw new IllegalArgumentException("negative row count " + rows);
        return Math.max(MIN_CHUNK_ROWS, (rows + MAX_CHUNKS - 1) / MAX_CHUNKS);
    }

    /** How many chunks of {@code chunkRows} rows cover {@code rows} rows. */
    static long chunks(long rows, long chunkRows) { return (rows + chunkRows - 1) / chunkRows; }

    /** One block of eight warps per (chunk of rows, tile of 32 columns): a warp reads 32 neighbouring columns. */
    static LaunchGeometry chunkTiles(long chunks, long columns) {
        if (chunks < 0 || columns < 0) throw new IllegalArgumentException("negative size: " + chunks + " chunks of " + columns);
        long blocks = chunks * ((columns + 31) / 32);
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
