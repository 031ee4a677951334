package rlhf4j.rlhf.serve.web;

import com.google.gson.JsonObject;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import rlhf4j.rlhf.serve.LabelingService;
import rlhf4j.rlhf.serve.LabelingService.Account;
import rlhf4j.rlhf.serve.LabelingService.Role;

/**
 * Logins, sessions and the checks in front of every API call: who is logged in (401 otherwise), whether an admin
 * route is asked for by an admin (403 otherwise), and on every POST the session's CSRF token and a same-origin
 * {@code Origin} (403 otherwise). Failed logins are counted per name and address (429 past the limit).
 */
final class Auth {
    static final String COOKIE = "rlhf4j_session";
    static final String CSRF_HEADER = "X-CSRF-Token";

    /** A handler that runs for a logged-in account. */
    @FunctionalInterface
    interface SessionHandler {
        void handle(Context ctx, Sessions.Session session) throws Exception;
    }

    private final LabelingService service;
    private final ServerConfig config;
    private final Sessions sessions;
    private final LoginLimiter limiter;

    Auth(LabelingService service, ServerConfig config) {
        this.service = service;
        this.config = config;
        this.sessions = new Sessions(config.sessionIdle());
        this.limiter = new LoginLimiter(config.loginLimit());
    }

    /** {@code handler} for any logged-in account. */
    Handler signedIn(SessionHandler handler) { return ctx -> handler.handle(ctx, require(ctx, false)); }

    /** {@code handler} for admins only. */
    Handler admin(SessionHandler handler) { return ctx -> handler.handle(ctx, require(ctx, true)); }

    /** The session of this request, if any (pages use it to redirect). */
    Optional<Sessions.Session> current(Context ctx) { return sessions.find(ctx.cookie(COOKIE), now()); }

    private Sessions.Session require(Context ctx, boolean adminOnly) {
        Sessions.Session s = current(ctx).orElseThrow(() -> new HttpError(401, "not logged in"));
        if (ctx.method().name().equals("POST")) checkPost(ctx, s);
        if (adminOnly && s.account().role() != Role.ADMIN) throw HttpError.forbidden("admins only");
        return s;
    }

    /** The CSRF token (header, or form field {@code csrf}) must be this session's; a cross-site Origin is refused. */
    private void checkPost(Context ctx, Sessions.Session s) {
        checkOrigin(ctx);
        String token = ctx.header(CSRF_HEADER);
        if (token == null && ctx.isFormUrlencoded()) token = ctx.formParam("csrf");
        if (token == null || !MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8),
                s.csrfToken().getBytes(StandardCharsets.UTF_8))) {
            throw HttpError.forbidden("missing or wrong CSRF token");
        }
    }

    /** Browsers send Origin on POST; when present it must name this server. */
    private static void checkOrigin(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin == null) return;
        String host = ctx.header("Host");
        try {
            URI o = URI.create(origin);
            if (host != null && host.equalsIgnoreCase(o.getRawAuthority())) return;
        } catch (IllegalArgumentException e) {
            // fall through: an unreadable Origin is as good as a foreign one
        }
        throw HttpError.forbidden("cross-origin request refused");
    }

    // ---- endpoints ----

    /** POST /api/login {name, password}: a new session, or 401; 429 after too many failures. */
    void login(Context ctx) {
        checkOrigin(ctx);
        JsonObject body = Web.body(ctx);
        String name = Web.requiredString(body, "name").strip();
        String password = Web.requiredString(body, "password");
        String key = "password|" + name.toLowerCase(Locale.ROOT) + "|" + ctx.ip();
        Instant now = now();
        if (limiter.blocked(key, now)) throw new HttpError(429, "too many failed logins; wait a minute and try again");
        Optional<Account> account = service.checkPassword(name, password);
        if (account.isEmpty()) {
            limiter.failed(key, now);
            throw new HttpError(401, "wrong name or password");
        }
        limiter.succeeded(key);
        startSession(ctx, account.get());
    }

    /** POST /api/login/token {token}: the single-use login link's token for a new session, or 401. */
    void loginWithToken(Context ctx) {
        checkOrigin(ctx);
        String token = Web.requiredString(Web.body(ctx), "token");
        String key = "token|" + ctx.ip();
        Instant now = now();
        if (limiter.blocked(key, now)) throw new HttpError(429, "too many failed logins; wait a minute and try again");
        Optional<Account> account = service.redeemLoginToken(token);
        if (account.isEmpty()) {
            limiter.failed(key, now);
            throw new HttpError(401, "this login link is not valid (it may have been used already)");
        }
        startSession(ctx, account.get());
    }

    /** POST /api/logout: forgets the session and clears the cookie. */
    void logout(Context ctx, Sessions.Session s) {
        sessions.remove(s.id());
        ctx.header("Set-Cookie", cookie("", 0));
        Web.json(ctx, Map.of("loggedOut", true));
    }

    /** GET /api/me: who is logged in and the CSRF token for their POSTs. */
    void me(Context ctx, Sessions.Session s) { Web.json(ctx, describe(s)); }

    // a new id at every login: any session id planted before it (fixation) is dropped, never promoted
    private void startSession(Context ctx, Account account) {
        sessions.remove(ctx.cookie(COOKIE));
        Sessions.Session s = sessions.create(account, now());
        ctx.header("Set-Cookie", cookie(s.id(), -1));
        Web.json(ctx, describe(s));
    }

    private String cookie(String value, int maxAge) {
        StringBuilder c = new StringBuilder(COOKIE).append('=').append(value).append("; Path=/; HttpOnly; SameSite=Strict");
        if (maxAge >= 0) c.append("; Max-Age=").append(maxAge);
        if (config.secureCookies()) c.append("; Secure");
        return c.toString();
    }

    private static Map<String, Object> describe(Sessions.Session s) {
        Map<String, Object> me = new LinkedHashMap<>();
        me.put("name", s.account().name());
        me.put("role", s.account().role().name());
        me.put("csrf", s.csrfToken());
        return me;
    }

    private Instant now() { return config.clock().instant(); }
}
