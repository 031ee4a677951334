package rlhf4j.rlhf.serve;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One simulated labeler of the {@link LoadBenchmark}, speaking the labeling page's HTTP API: log in with a password,
 * then {@code GET next} and {@code POST submit} until its quota is met or no item is left. A request that fails
 * (connection refused or reset while the server is down, 401 when a restarted server forgot the session, 5xx) is
 * retried, after logging in again when needed, with the same submission id.
 */
final class BenchLabeler implements Runnable {
    private static final Duration GIVE_UP_AFTER = Duration.ofSeconds(180);

    /** What every labeler of a run shares. */
    record Shared(String base, long campaignId, int quota, AtomicLong acknowledged, CountDownLatch loggedIn, CountDownLatch go,
                  Map<String, AtomicLong> failures) {
        Shared(String base, long campaignId, int quota, int labelers) {
            this(base, campaignId, quota, new AtomicLong(), new CountDownLatch(labelers), new CountDownLatch(1), new ConcurrentHashMap<>());
        }

        /** Counts a failed request by its kind, so the report can say what was retried. */
        void failed(String kind) { failures.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet(); }
    }

    private final Shared shared;
    private final String name, password;
    private final Random random;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Set<String> acknowledged = new HashSet<>();
    private long[] submitNanos = new long[64], nextNanos = new long[64];
    private int submits, nexts;
    private long duplicates, failedRequests;
    private String cookie, csrf;
    private volatile Exception failure;

    BenchLabeler(Shared shared, String name, String password, Random random) {
        this.shared = shared;
        this.name = name;
        this.password = password;
        this.random = random;
    }

    @Override public void run() {
        try {
            try {
                login();
            } finally {
                shared.loggedIn().countDown();
            }
            shared.go().await();
            while (acknowledged.size() < shared.quota()) {
                JsonObject task = next();
                if (task == null) break;
                submit(task);
            }
        } catch (Exception e) {
            failure = e;
        }
    }

    private void login() throws IOException, InterruptedException {
        JsonObject body = new JsonObject();
        body.addProperty("name", name);
        body.addProperty("password", password);
        HttpResponse<String> r = send(() -> post("/api/login", body, false), false);
        csrf = JsonParser.parseString(r.body()).getAsJsonObject().get("csrf").getAsString();
    }

    /** The next task, or null when the campaign has nothing left for this labeler. */
    private JsonObject next() throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        HttpResponse<String> r = send(() -> request("/api/campaigns/" + shared.campaignId() + "/next").GET().build(), true);
        nextNanos = record(nextNanos, nexts++, System.nanoTime() - t0);
        JsonElement task = JsonParser.parseString(r.body()).getAsJsonObject().get("task");
        return task == null || task.isJsonNull() ? null : task.getAsJsonObject();
    }

    private void submit(JsonObject task) throws IOException, InterruptedException {
        List<String> ids = new ArrayList<>();
        for (JsonElement c : task.getAsJsonArray("completions")) ids.add(c.getAsJsonObject().get("id").getAsString());
        Collections.shuffle(ids, random);
        JsonArray ranking = new JsonArray();
        for (String id : ids) {
            JsonArray tier = new JsonArray();
            tier.add(id);
            ranking.add(tier);
        }
        String submissionId = new UUID(random.nextLong(), random.nextLong()).toString();
        JsonObject body = new JsonObject();
        body.addProperty("submissionId", submissionId);
        body.addProperty("promptId", task.get("promptId").getAsString());
        body.add("ranking", ranking);
        long t0 = System.nanoTime();
        HttpResponse<String> r = send(() -> post("/api/campaigns/" + shared.campaignId() + "/submit", body, true), true);
        submitNanos = record(submitNanos, submits++, System.nanoTime() - t0);
        if (JsonParser.parseString(r.body()).getAsJsonObject().get("duplicate").getAsBoolean()) duplicates++;
        acknowledged.add(submissionId);
        shared.acknowledged().incrementAndGet();
    }

    /** Sends until a 200, logging in again on 401 and waiting out a server that is down; other answers are failures. */
    private HttpResponse<String> send(Supplier<HttpRequest> request, boolean signedIn) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + GIVE_UP_AFTER.toNanos();
        while (true) {
            try {
                HttpResponse<String> r = http.send(request.get(), HttpResponse.BodyHandlers.ofString());
                r.headers().firstValue("Set-Cookie").ifPresent(c -> cookie = c.substring(0, c.indexOf(';')));
                if (r.statusCode() == 200) return r;
                shared.failed("HTTP " + r.statusCode());
                if (r.statusCode() == 401 && signedIn) login();
                else if (r.statusCode() < 500) throw new IOException(name + ": " + r.statusCode() + " " + r.body());
            } catch (IOException e) {
                if (e.getMessage() != null && e.getMessage().startsWith(name + ": ")) throw e;
                shared.failed(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
            }
            failedRequests++;
            if (System.nanoTime() > deadline) throw new IOException(name + ": the server did not answer for " + GIVE_UP_AFTER.toSeconds() + " s");
            Thread.sleep(50);
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(shared.base() + path)).timeout(Duration.ofSeconds(60));
        if (cookie != null) b.header("Cookie", cookie);
        return b;
    }

    private HttpRequest post(String path, JsonObject body, boolean withCsrf) {
        HttpRequest.Builder b = request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (withCsrf && csrf != null) b.header("X-CSRF-Token", csrf);
        return b.build();
    }

    private static long[] record(long[] into, int index, long value) {
        long[] out = index < into.length ? into : Arrays.copyOf(into, into.length * 2);
        out[index] = value;
        return out;
    }

    String name() { return name; }

    Exception failure() { return failure; }

    Set<String> acknowledgedIds() { return acknowledged; }

    long duplicates() { return duplicates; }

    long failedRequests() { return failedRequests; }

    long[] submitNanos() { return Arrays.copyOf(submitNanos, submits); }

    long[] nextNanos() { return Arrays.copyOf(nextNanos, nexts); }
}
