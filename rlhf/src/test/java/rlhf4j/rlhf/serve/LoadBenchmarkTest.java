package rlhf4j.rlhf.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A small run of the load and fault benchmark against a real server process, killed with SIGKILL halfway. */
class LoadBenchmarkTest {
    @TempDir Path dir;

    @Test void aKilledAndRestartedServerLosesNoAcknowledgedSubmission() throws Exception {
        var config = LoadBenchmark.Config.defaults().withLabelers(4).withSubmissionsEach(40).withKillServer(true).withSeed(7);
        var result = new LoadBenchmark(config, dir, LoadBenchmark.ServerLauncher.thisClassPath(), System.err).run();
        System.err.print(LoadBenchmark.format(result));
        var integrity = result.integrity();
        assertEquals(1, result.kills());
        assertEquals(160, integrity.acknowledged());
        assertEquals(0, integrity.lost());
        assertEquals(0, integrity.duplicated());
        assertEquals(160, integrity.stored());   // every stored judgement was acknowledged in the end, through its retry
        assertEquals(0, integrity.storedUnacknowledged());
        assertTrue(result.failedRequests() > 0, "the kill should have failed some requests");
        assertEquals(160, result.submit().count());
        assertTrue(result.submit().p50Ms() > 0 && result.submit().p99Ms() >= result.submit().p50Ms());
    }
}
