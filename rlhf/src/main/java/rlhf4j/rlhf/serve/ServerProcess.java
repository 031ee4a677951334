package rlhf4j.rlhf.serve;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The benchmark's server: a process started by a {@link LoadBenchmark.ServerLauncher}, ready once it answers HTTP. */
final class ServerProcess {
    private static final Duration READY_WITHIN = Duration.ofSeconds(90);

    private final LoadBenchmark.ServerLauncher launcher;
    private final Path db;
    private final int port;
    private final PrintStream log;
    private Process process;

    ServerProcess(LoadBenchmark.ServerLauncher launcher, Path db, int port, PrintStream log) {
        this.launcher = launcher;
        this.db = db;
        this.port = port;
        this.log = log;
    }

    /** Starts the process and returns once GET /login answers. */
    void start() throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        process = launcher.start(db, port);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ping = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/login")).timeout(Duration.ofSeconds(5)).build();
        while (System.nanoTime() - t0 < READY_WITHIN.toNanos()) {
            if (!process.isAlive())
                throw new IOException("the server exited with status " + process.exitValue() + " (see " + db.resolveSibling("server.log") + ")");
            try {
                http.send(ping, HttpResponse.BodyHandlers.discarding());
                log.printf("bench: server pid %d ready on port %d after %.1f s%n", process.pid(), port, (System.nanoTime() - t0) / 1e9);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        process.destroyForcibly();
        throw new IOException("the server did not answer within " + READY_WITHIN.toSeconds() + " s (see " + db.resolveSibling("server.log") + ")");
    }

    /** SIGKILL: the process gets no chance to flush or close anything. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM, then SIGKILL after 10 s. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) kill();
    }
}
