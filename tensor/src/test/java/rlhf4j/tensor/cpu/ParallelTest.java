package rlhf4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The chunks of a call depend on its sizes only; small calls run them on the caller, in order. */
class ParallelTest {
    record Ran(int chunk, long start, long end, Thread thread) {}

    static List<Ran> run(long rows, long cost) {
        List<Ran> ran = Collections.synchronizedList(new ArrayList<>());
        Parallel.forChunks(rows, cost, (c, s, e) -> ran.add(new Ran(c, s, e, Thread.currentThread())));
        List<Ran> sorted = new ArrayList<>(ran);
        sorted.sort(java.util.Comparator.comparingInt(Ran::chunk));
        return sorted;
    }

    @Test void belowTheDispatchSizeEveryChunkRunsOnTheCallerInOrder() {
        long rows = 64, cost = Parallel.DISPATCH_WORK / rows / 2;         // several chunks, half the dispatch size
        int n = Parallel.chunks(rows, cost);
        assertTrue(n > 1, "the case needs several chunks, got " + n);
        List<Ran> ran = Collections.synchronizedList(new ArrayList<>());
        Parallel.forChunks(rows, cost, (c, s, e) -> ran.add(new Ran(c, s, e, Thread.currentThread())));
        assertEquals(n, ran.size());
        for (int i = 0; i < n; i++) {
            assertEquals(i, ran.get(i).chunk());                          // in chunk order, as a plain loop
            assertSame(Thread.currentThread(), ran.get(i).thread());
        }
    }

    @Test void chunksCoverTheRowsOnceWithBoundariesFromTheSizesAlone() {
        for (long[] size : new long[][]{{64, Parallel.DISPATCH_WORK / 128}, {1000, Parallel.DISPATCH_WORK / 100}, {5000, 7}}) {
            List<Ran> ran = run(size[0], size[1]);
            int n = Parallel.chunks(size[0], size[1]);
            assertEquals(n, ran.size());
            long next = 0;
            for (int i = 0; i < n; i++) {
                assertEquals(Parallel.chunkStart(size[0], n, i), ran.get(i).start());
                assertEquals(next, ran.get(i).start());
                next = ran.get(i).end();
            }
            assertEquals(size[0], next);
        }
    }
}
