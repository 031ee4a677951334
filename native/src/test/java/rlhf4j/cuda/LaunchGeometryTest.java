package rlhf4j.cuda;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class LaunchGeometryTest {

    @Test void elementwiseCoversEveryElementAndCapsTheGrid() {
        assertEquals(new LaunchGeometry(0, 256), LaunchGeometry.elementwise(0));
        assertTrue(LaunchGeometry.elementwise(0).isEmpty());
        assertEquals(new LaunchGeometry(1, 256), LaunchGeometry.elementwise(1));
        assertEquals(new LaunchGeometry(1, 256), LaunchGeometry.elementwise(256));
        assertEquals(new LaunchGeometry(2, 256), LaunchGeometry.elementwise(257));
        assertEquals(new LaunchGeometry(LaunchGeometry.MAX_BLOCKS, 256), LaunchGeometry.elementwise(1L << 40),
                "grid-stride loops cover the rest");
        for (long n : new long[]{1, 255, 1000, 65_537, 1 << 24}) {
            LaunchGeometry g = LaunchGeometry.elementwise(n);
            assertTrue((long) g.blocks() * g.threads() >= Math.min(n, (long) LaunchGeometry.MAX_BLOCKS * 256));
            assertTrue((long) (g.blocks() - 1) * g.threads() < n, "no block without work");
        }
        assertThrows(IllegalArgumentException.class, () -> LaunchGeometry.elementwise(-1));
    }

    @Test void rowsUseOneBlockPerRowWithAPowerOfTwoOfWarps() {
        assertEquals(new LaunchGeometry(10, 32), LaunchGeometry.rows(10, 1));
        assertEquals(new LaunchGeometry(10, 32), LaunchGeometry.rows(10, 32));
        assertEquals(new LaunchGeometry(10, 64), LaunchGeometry.rows(10, 33));
        assertEquals(new LaunchGeometry(4, 1024), LaunchGeometry.rows(4, 768));
        assertEquals(new LaunchGeometry(4, 1024), LaunchGeometry.rows(4, 50_257));
        assertEquals(new LaunchGeometry(LaunchGeometry.MAX_BLOCKS, 128), LaunchGeometry.rows(1L << 33, 100));
        assertEquals(new LaunchGeometry(5, 32), LaunchGeometry.rows(5, 0), "empty rows still get a result per row");
        assertTrue(LaunchGeometry.rows(0, 100).isEmpty());
        for (int c = 1; c <= 4096; c = c * 3 + 1) {
            int t = LaunchGeometry.rows(1, c).threads();
            assertEquals(0, t & (t - 1), "power of two: " + t);
        }
    }

    @Test void columnSumsCutTheRowsIntoBoundedChunks() {
        assertEquals(64, LaunchGeometry.chunkRows(0));
        assertEquals(64, LaunchGeometry.chunkRows(4096), "4096 rows: 64 chunks of 64");
        assertEquals(64, LaunchGeometry.chunks(4096, 64));
        assertEquals(1, LaunchGeometry.chunks(5, LaunchGeometry.chunkRows(5)), "a few rows: one short chunk");
        assertEquals(0, LaunchGeometry.chunks(0, 64));
        for (long rows : new long[]{1, 63, 64, 65, 65_536, 65_537, 1_000_003, 1L << 31}) {
            long per = LaunchGeometry.chunkRows(rows), chunks = LaunchGeometry.chunks(rows, per);
            assertTrue(per >= LaunchGeometry.MIN_CHUNK_ROWS && chunks <= LaunchGeometry.MAX_CHUNKS, rows + " rows");
            assertTrue(chunks * per >= rows && (chunks - 1) * per < rows, rows + " rows: covered, no empty chunk");
        }
        assertEquals(new LaunchGeometry(128, 256), LaunchGeometry.chunkTiles(64, 64), "a block per (chunk, 32 columns)");
        assertEquals(new LaunchGeometry(3, 256), LaunchGeometry.chunkTiles(1, 65));
        assertEquals(new LaunchGeometry(LaunchGeometry.MAX_BLOCKS, 256), LaunchGeometry.chunkTiles(1024, 50_257));
        assertTrue(LaunchGeometry.chunkTiles(0, 64).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> LaunchGeometry.chunkRows(-1));
    }

    @Test void rejectsImpossibleBlocks() {
        assertThrows(IllegalArgumentException.class, () -> new LaunchGeometry(1, 2048));
        assertThrows(IllegalArgumentException.class, () -> new LaunchGeometry(1, 100));
        assertThrows(IllegalArgumentException.class, () -> new LaunchGeometry(-1, 256));
    }
}
