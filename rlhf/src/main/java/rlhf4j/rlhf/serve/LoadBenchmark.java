package rlhf4j.rlhf.serve;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.serve.LabelingService.Account;
import rlhf4j.rlhf.serve.LabelingService.Campaign;
import rlhf4j.rlhf.serve.LabelingService.CampaignSpec;
import rlhf4j.rlhf.serve.LabelingService.Role;

/**
 * A load and fault benchmark of {@code rlhf4j serve}: concurrent simulated labelers over HTTP on 127.0.0.1 against a
 * server running as a separate process, each logging in with a password, then asking for an item and submitting a
 * ranking until it has its quota. It reports throughput and submission latency, and then reads the database to count
 * lost judgements (acknowledged with 200 but not stored) and duplicated ones (one labeler twice on an item, or one
 * submission id stored twice). With {@code killServer} the server is killed with SIGKILL once a random share (10–60 %)
 * of the submissions is acknowledged and started again on the same port; the labelers retry what failed with the same
 * submission id, as the labeling page does.
 */
public final class LoadBenchmark {
    /**
     * @param labelers        concurrent simulated labelers
     * @param submissionsEach submissions per labeler
     * @param labelersPerItem N of the campaign (items = enough for every labeler's quota)
     * @param k               completions per item
     * @param killServer      SIGKILL the server once mid-run and restart it
     * @param seed            the rankings and the moment of the kill
     */
    public record Config(int labelers, int submissionsEach, int labelersPerItem, int k, boolean killServer, long seed) {
        public Config {
            if (labelers < 1 || submissionsEach < 1 || labelersPerItem < 1 || k < 2)
                throw new IllegalArgumentException("labelers, submissions and N must be positive and k at least 2");
        }

        /** The figures: 50 labelers × 1,000 submissions, N = 5, K = 4, no kill. */
        public static Config defaults() { return new Config(50, 1000, 5, 4, false, 1); }

        public Config withLabelers(int n) { return new Config(n, submissionsEach, labelersPerItem, k, killServer, seed); }
        public Config withSubmissionsEach(int n) { return new Config(labelers, n, labelersPerItem, k, killServer, seed); }
        public Config withKillServer(boolean kill) { return new Config(labelers, submissionsEach, labelersPerItem, k, kill, seed); }
        public Config withSeed(long s) { return new Config(labelers, submissionsEach, labelersPerItem, k, killServer, s); }

        /** Enough items for every quota, with one spare per labeler: near the end, N distinct labelers must still be free. */
        int items() { return Math.max(submissionsEach, (int) Math.ceil((double) labelers * submissionsEach / labelersPerItem)) + labelers; }
    }

    /** Milliseconds at the median and the 99th percentile, the worst, and how many requests. */
    public record Latency(double p50Ms, double p99Ms, double maxMs, long count) {
        static Latency of(long[] nanos) {
            if (nanos.length == 0) return new Latency(Double.NaN, Double.NaN, Double.NaN, 0);
            long[] sorted = nanos.clone();
            Arrays.sort(sorted);
            return new Latency(percentile(sorted, 0.50) / 1e6, percentile(sorted, 0.99) / 1e6, sorted[sorted.length - 1] / 1e6, sorted.length);
        }

        private static double percentile(long[] sorted, double q) {
            return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
        }
    }

    /**
     * What the database holds after the run. {@code lost}: acknowledged but not stored (goal 0); {@code duplicated}:
     * stored twice (goal 0); {@code answeredAsDuplicate}: retries the server recognised by their submission id (the
     * first attempt had been committed when its answer was lost); {@code storedUnacknowledged}: committed submissions
     * no client ever saw acknowledged.
     */
    public record Integrity(long acknowledged, long stored, long lost, long duplicated, long answeredAsDuplicate,
                            long storedUnacknowledged) {}

    /** The figures of one run. */
    public record Result(Config config, double seconds, double submissionsPerSecond, Latency submit, Latency next,
                         Integrity integrity, int kills, long failedRequests) {}

    /** Starts the server as its own process on {@code port} over {@code db}. */
    @FunctionalInterface
    public interface ServerLauncher {
        Process start(Path db, int port) throws IOException;

        /**
         * {@code java -cp <this JVM's class path> rlhf4j.cli.Main serve --db DB --port PORT [serveArgs]}, its output
         * appended to {@code server.log} next to DB.
         */
        static ServerLauncher thisClassPath(String... serveArgs) {
            return (db, port) -> {
                String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
                List<String> command = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                        "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "rlhf4j.cli.Main", "serve",
                        "--db", db.toString(), "--port", Integer.toString(port)));
                command.addAll(List.of(serveArgs));
                Path log = db.resolveSibling("server.log");
                return new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            };
        }
    }

    private static final String PASSWORD_PREFIX = "bench-password-";

    private final Config config;
    private final Path workDir;
    private final ServerLauncher launcher;
    private final PrintStream log;

    public LoadBenchmark(Config config, Path workDir, ServerLauncher launcher, PrintStream log) {
        this.config = config;
        this.workDir = workDir;
        this.launcher = launcher;
        this.log = log == null ? new PrintStream(PrintStream.nullOutputStream()) : log;
    }

    /** Sets up the campaign, runs the labelers against the server process, checks the database. */
    public Result run() throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        Path db = workDir.resolve("bench.db");
        for (String suffix : List.of("", "-wal", "-shm")) Files.deleteIfExists(workDir.resolve("bench.db" + suffix));
        long campaignId = setUp(db);
        int port = freePort();
        ServerProcess server = new ServerProcess(launcher, db, port, log);
        server.start();
        BenchLabeler.Shared shared = new BenchLabeler.Shared("http://127.0.0.1:" + port, campaignId, config.submissionsEach(),
                config.labelers());
        List<BenchLabeler> labelers = new ArrayList<>();
        for (int i = 0; i < config.labelers(); i++)
            labelers.add(new BenchLabeler(shared, "bench-" + i, PASSWORD_PREFIX + i, new Random(config.seed() * 1_000_003 + i)));
        List<Thread> threads = new ArrayList<>();
        for (BenchLabeler l : labelers) threads.add(Thread.ofPlatform().name(l.name()).start(l));
        shared.loggedIn().await();   // the clock starts once every labeler is logged in: PBKDF2 logins are not the load
        log.printf("bench: %d labelers logged in%n", config.labelers());
        long t0 = System.nanoTime();
        shared.go().countDown();
        int kills = config.killServer() ? killOnce(server, shared, threads) : 0;
        for (Thread t : threads) t.join();
        double seconds = (System.nanoTime() - t0) / 1e9;
        server.stop();
        shared.failures().forEach((kind, n) -> log.printf("bench: %d failed requests retried: %s%n", n.get(), kind));
        for (BenchLabeler l : labelers) if (l.failure() != null) throw new IOException(l.name() + " gave up: " + l.failure(), l.failure());
        Integrity integrity = check(db, campaignId, labelers);
        long[] submits = labelers.stream().flatMapToLong(l -> Arrays.stream(l.submitNanos())).toArray();
        long[] nexts = labelers.stream().flatMapToLong(l -> Arrays.stream(l.nextNanos())).toArray();
        long failed = labelers.stream().mapToLong(BenchLabeler::failedRequests).sum();
        return new Result(config, seconds, integrity.acknowledged() / seconds, Latency.of(submits), Latency.of(nexts), integrity,
                kills, failed);
    }

    /** The campaign (synthetic items) and one password account per labeler, acknowledged; returns the campaign id. */
    private long setUp(Path db) {
        int items = config.items(), k = config.k();
        List<Prompt> prompts = new ArrayList<>();
        List<Completion> completions = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            prompts.add(new Prompt("b" + i, "Benchmark prompt " + i + ": say something kind."));
            for (int j = 0; j < k; j++) completions.add(new Completion("b" + i + "-" + j, "b" + i, "completion " + j + " of prompt " + i));
        }
        try (SqliteLabelingService service = SqliteLabelingService.open(db)) {
            Campaign c = service.createCampaign(new CampaignSpec("bench", "helpfulness", "Rank them.", k, config.labelersPerItem(),
                    Duration.ofMinutes(30), Map.of()), new FeedbackData(prompts, completions, List.of()));
            for (int i = 0; i < config.labelers(); i++) {
                Account a = service.addAccount("bench-" + i, Role.LABELER, PASSWORD_PREFIX + i);
                service.acknowledgeInstructions(c.id(), a.id());
            }
            log.printf("bench: campaign of %d items (k %d, N %d), %d labelers x %d submissions%n", items, k, config.labelersPerItem(),
                    config.labelers(), config.submissionsEach());
            return c.id();
        }
    }

    /** Waits for a random share of the acknowledgements, kills the server with SIGKILL, starts it again. */
    private int killOnce(ServerProcess server, BenchLabeler.Shared shared, List<Thread> threads) throws IOException, InterruptedException {
        long total = (long) config.labelers() * config.submissionsEach();
        long target = (long) (total * (0.1 + 0.5 * new Random(config.seed()).nextDouble()));
        while (shared.acknowledged().get() < target && threads.stream().anyMatch(Thread::isAlive)) Thread.sleep(5);
        if (threads.stream().noneMatch(Thread::isAlive)) return 0;
        log.printf("bench: kill -9 of the server after %d acknowledged submissions%n", shared.acknowledged().get());
        server.kill();
        server.start();
        return 1;
    }

    /** Reads back every stored judgement and compares it with what the labelers saw acknowledged. */
    private static Integrity check(Path db, long campaignId, List<BenchLabeler> labelers) {
        Set<String> acknowledged = new HashSet<>();
        long answeredAsDuplicate = 0;
        for (BenchLabeler l : labelers) {
            acknowledged.addAll(l.acknowledgedIds());
            answeredAsDuplicate += l.duplicates();
        }
        try (SqliteLabelingService service = SqliteLabelingService.open(db)) {
            StoredJudgements stored = service.storedSubmissions(campaignId);
            long lost = acknowledged.stream().filter(id -> !stored.ids().contains(id)).count();
            long unacknowledged = stored.ids().stream().filter(id -> !acknowledged.contains(id)).count();
            return new Integrity(acknowledged.size(), stored.rows(), lost, stored.rows() - stored.distinctItemsPerLabeler()
                    + (stored.rows() - stored.ids().size()), answeredAsDuplicate, unacknowledged);
        }
    }

    /** The submission ids a campaign holds, its rows, and its distinct (labeler, item) pairs. */
    public record StoredJudgements(Set<String> ids, long rows, long distinctItemsPerLabeler) {}

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The result as the lines the README quotes. */
    public static String format(Result r) {
        Config c = r.config();
        Integrity i = r.integrity();
        return String.format(Locale.ROOT, """
                %d labelers x %d submissions over HTTP (N %d, K %d)%s
                  %d acknowledged in %.1f s: %.0f submissions/s
                  submit latency p50 %.1f ms, p99 %.1f ms, max %.1f ms; next-item latency p50 %.1f ms, p99 %.1f ms
                  stored %d; lost %d, duplicated %d; retries answered as duplicates %d; stored but never acknowledged %d; failed requests retried %d
                """, c.labelers(), c.submissionsEach(), c.labelersPerItem(), c.k(), r.kills() > 0 ? ", server killed with SIGKILL once and restarted" : "",
                i.acknowledged(), r.seconds(), r.submissionsPerSecond(), r.submit().p50Ms(), r.submit().p99Ms(), r.submit().maxMs(),
                r.next().p50Ms(), r.next().p99Ms(), i.stored(), i.lost(), i.duplicated(), i.answeredAsDuplicate(),
                i.storedUnacknowledged(), r.failedRequests());
    }
}
