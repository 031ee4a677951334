package rlhf4j.rlhf.serve.web;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/** Failed logins per key (name and address) in a sliding window; a key with too many is blocked until they age out. */
final class LoginLimiter {
    private final ServerConfig.LoginLimit limit;
    private final Map<String, Deque<Instant>> failures = new HashMap<>();

    LoginLimiter(ServerConfig.LoginLimit limit) { this.limit = limit; }

    /** Whether {@code key} has used up its failures within the window ending now. */
    synchronized boolean blocked(String key, Instant now) {
        Deque<Instant> times = failures.get(key);
        if (times == null) return false;
        prune(times, now);
        if (times.isEmpty()) failures.remove(key);
        return times.size() >= limit.maxFailures();
    }

    synchronized void failed(String key, Instant now) {
        // bounded memory under a flood of distinct keys: drop keys whose failures all aged out
        if (failures.size() > 10_000) failures.values().removeIf(t -> { prune(t, now); return t.isEmpty(); });
        failures.computeIfAbsent(key, k -> new ArrayDeque<>()).addLast(now);
    }

    synchronized void succeeded(String key) { failures.remove(key); }

    private void prune(Deque<Instant> times, Instant now) {
        Instant oldest = now.minus(limit.window());
        while (!times.isEmpty() && !times.peekFirst().isAfter(oldest)) times.removeFirst();
    }
}
