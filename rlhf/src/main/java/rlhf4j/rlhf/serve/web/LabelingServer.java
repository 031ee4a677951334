package rlhf4j.rlhf.serve.web;

import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.nio.file.NoSuchFileException;
import java.util.Map;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;
import rlhf4j.rlhf.feedback.FeedbackFormatException;
import rlhf4j.rlhf.serve.LabelingService;

/**
 * The web server of {@code rlhf4j serve}: the labeler's page ({@code /label}), the admin's page ({@code /admin}), the
 * login page and the JSON API under {@code /api} they call, over one {@link LabelingService}.
 *
 * <p>Security: server-side sessions in an HttpOnly, SameSite=Strict cookie, renewed at every login; a per-session
 * CSRF token on every POST; admin routes for admins only; failed logins rate-limited per name and address; a
 * Content-Security-Policy that allows scripts from this server only (model text is always inserted as text).
 */
public final class LabelingServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LabelingServer.class.getName());

    private final Javalin app;
    private final String host;

    private LabelingServer(Javalin app, String host) {
        this.app = app;
        this.host = host;
    }

    /** Starts serving {@code service}; returns once the port is bound. */
    public static LabelingServer start(LabelingService service, ServerConfig config) {
        Objects.requireNonNull(service, "service");
        Auth auth = new Auth(service, config);
        Pages pages = new Pages(auth);
        LabelerApi labeler = new LabelerApi(service, config.clock());
        AdminApi admin = new AdminApi(service);
        Javalin app = Javalin.create(cfg -> {
            settings(cfg);
            RoutesConfig r = cfg.routes;
            r.before(Web::securityHeaders);
            r.get("/", pages::root);
            r.get("/login", pages::login);
            r.get("/label", pages::label);
            r.get("/admin", pages::admin);
            r.get("/assets/{name}", pages::asset);
            r.post("/api/login", auth::login);
            r.post("/api/login/token", auth::loginWithToken);
            r.post("/api/logout", auth.signedIn(auth::logout));
            r.get("/api/me", auth.signedIn(auth::me));
            r.get("/api/campaigns", auth.signedIn(labeler::campaigns));
            r.get("/api/campaigns/{id}/instructions", auth.signedIn(labeler::instructions));
            r.post("/api/campaigns/{id}/acknowledge", auth.signedIn(labeler::acknowledge));
            r.get("/api/campaigns/{id}/next", auth.signedIn(labeler::next));
            r.post("/api/campaigns/{id}/submit", auth.signedIn(labeler::submit));
            r.get("/api/campaigns/{id}/progress", auth.signedIn(labeler::progress));
            r.get("/api/admin/campaigns", auth.admin(admin::campaigns));
            r.post("/api/admin/campaigns", auth.admin(admin::create));
            r.get("/api/admin/campaigns/{id}/stats", auth.admin(admin::stats));
            r.get("/api/admin/campaigns/{id}/export", auth.admin(admin::export));
            r.get("/api/admin/accounts", auth.admin(admin::accounts));
            r.post("/api/admin/accounts", auth.admin(admin::addAccount));
            r.post("/api/admin/accounts/{id}/login-link", auth.admin(admin::loginLink));
            errors(r);
        });
        app.start(config.host(), config.port());
        return new LabelingServer(app, config.host());
    }

    private static void settings(JavalinConfig cfg) {
        cfg.startup.showJavalinBanner = false;
        cfg.startup.showOldJavalinVersionWarning = false;
        cfg.http.maxRequestSize = 1_000_000;
    }

    /** Refusals are {@code {"error": reason}} with their status; a user's bad value is 400; anything else 500, logged. */
    private static void errors(RoutesConfig r) {
        r.exception(HttpError.class, (e, ctx) -> error(ctx, e.status(), e.getMessage()));
        r.exception(IllegalArgumentException.class, (e, ctx) -> error(ctx, 400, e.getMessage()));
        r.exception(FeedbackFormatException.class, (e, ctx) -> error(ctx, 400, e.getMessage()));
        r.exception(NoSuchFileException.class, (e, ctx) -> error(ctx, 400, e.getFile() + ": " + e.getReason()));
        r.exception(IllegalStateException.class, (e, ctx) -> error(ctx, 409, e.getMessage()));
        r.exception(Exception.class, (e, ctx) -> {
            LOG.log(Level.WARNING, "request " + ctx.method() + " " + ctx.path() + " failed", e);
            error(ctx, 500, "internal error");
        });
        r.error(404, ctx -> {
            if (ctx.result() == null) error(ctx, 404, "not found");
        });
    }

    private static void error(Context ctx, int status, String message) {
        ctx.status(status);
        Web.json(ctx, Map.of("error", message == null ? "error" : message));
    }

    /** The port bound (the one chosen when the config asked for 0). */
    public int port() { return app.port(); }

    /** The base URL, e.g. {@code http://127.0.0.1:8080}. */
    public String url() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        if (h.equals("0.0.0.0") || h.equals("[::]")) h = "127.0.0.1";
        return "http://" + h + ":" + port();
    }

    /** The full URL of a login link for {@code token} (from {@link LabelingService#issueLoginToken}). */
    public String loginUrl(String token) { return url() + AdminApi.loginPath(token); }

    public void stop() { app.stop(); }

    @Override public void close() { stop(); }
}
