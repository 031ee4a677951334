package rlhf4j.rlhf.serve.web;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How the labeling server listens and guards itself.
 *
 * @param host          address to bind; 127.0.0.1 keeps it on this machine
 * @param port          TCP port; 0 takes any free one ({@link LabelingServer#port()} tells which)
 * @param sessionIdle   a session unused this long is forgotten (the labeler logs in again)
 * @param loginLimit    failed logins allowed per name and address within a window before 429
 * @param secureCookies add {@code Secure} to the session cookie (when served behind https)
 * @param clock         the server's clock (leases, sessions, rate limits)
 */
public record ServerConfig(String host, int port, Duration sessionIdle, LoginLimit loginLimit, boolean secureCookies,
                           Clock clock) {

    /** At most {@code maxFailures} failed logins per key within {@code window}; further attempts get 429. */
    public record LoginLimit(int maxFailures, Duration window) {
        public LoginLimit {
            if (maxFailures < 1) throw new IllegalArgumentException("login limit must allow at least 1 failure, got " + maxFailures);
            Objects.requireNonNull(window, "window");
        }
    }

    public ServerConfig {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535, got " + port);
        Objects.requireNonNull(sessionIdle, "sessionIdle");
        Objects.requireNonNull(loginLimit, "loginLimit");
        Objects.requireNonNull(clock, "clock");
    }

    /** 127.0.0.1, any free port, 12-hour sessions, 5 failed logins a minute, plain http. */
    public static ServerConfig defaults() {
        return new ServerConfig("127.0.0.1", 0, Duration.ofHours(12), new LoginLimit(5, Duration.ofMinutes(1)), false,
                Clock.systemUTC());
    }

    public ServerConfig withHost(String h) { return new ServerConfig(h, port, sessionIdle, loginLimit, secureCookies, clock); }

    public ServerConfig withPort(int p) { return new ServerConfig(host, p, sessionIdle, loginLimit, secureCookies, clock); }

    public ServerConfig withLoginLimit(LoginLimit l) { return new ServerConfig(host, port, sessionIdle, l, secureCookies, clock); }

    public ServerConfig withSecureCookies(boolean s) { return new ServerConfig(host, port, sessionIdle, loginLimit, s, clock); }

    public ServerConfig withClock(Clock c) { return new ServerConfig(host, port, sessionIdle, loginLimit, secureCookies, c); }
}
