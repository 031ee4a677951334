package rlhf4j.rlhf.serve.web;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import rlhf4j.rlhf.serve.LabelingService.Account;

/**
 * Server-side sessions in memory: the cookie holds only a random 256-bit id. Each session has its own CSRF token. A
 * login always makes a new session (a fixated id from before the login is never promoted). A restart forgets them all.
 */
final class Sessions {
    /** One logged-in browser: who, and the token its POSTs must carry. */
    record Session(String id, Account account, String csrfToken) {}

    private record Entry(Session session, Instant lastSeen) {}

    private static final SecureRandom RANDOM = new SecureRandom();
    private final ConcurrentHashMap<String, Entry> byId = new ConcurrentHashMap<>();
    private final Duration idle;

    Sessions(Duration idle) { this.idle = idle; }

    /** A new session for {@code account}. */
    Session create(Account account, Instant now) {
        if (byId.size() > 10_000) byId.values().removeIf(e -> expired(e, now));
        Session s = new Session(randomToken(), account, randomToken());
        byId.put(s.id(), new Entry(s, now));
        return s;
    }

    /** The live session of {@code id}, touching it; empty when unknown or idle too long. */
    Optional<Session> find(String id, Instant now) {
        if (id == null) return Optional.empty();
        Entry e = byId.get(id);
        if (e == null) return Optional.empty();
        if (expired(e, now)) {
            byId.remove(id, e);
            return Optional.empty();
        }
        byId.replace(id, e, new Entry(e.session(), now));
        return Optional.of(e.session());
    }

    void remove(String id) {
        if (id != null) byId.remove(id);
    }

    private boolean expired(Entry e, Instant now) { return e.lastSeen().plus(idle).isBefore(now); }

    /** 32 random bytes, URL-safe base64 without padding. */
    static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
