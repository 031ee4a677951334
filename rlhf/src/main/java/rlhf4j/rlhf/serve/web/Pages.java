package rlhf4j.rlhf.serve.web;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import rlhf4j.rlhf.serve.LabelingService.Role;

/**
 * The pages and their scripts and styles, read once from the jar (no CDN: labelers may be offline). Pages carry no
 * data; their scripts fetch it from the API.
 */
final class Pages {
    private static final String BASE = "/rlhf4j/serve/web/";
    static final List<String> ASSETS = List.of("app.css", "common.js", "login.js", "label.js", "admin.js");
    private static final List<String> PAGES = List.of("login.html", "label.html", "admin.html");

    private final Map<String, byte[]> files = new LinkedHashMap<>();
    private final Auth auth;

    Pages(Auth auth) {
        this.auth = auth;
        for (String name : ASSETS) files.put(name, read(name));
        for (String name : PAGES) files.put(name, read(name));
    }

    /** GET /: the labeler's or the admin's page, or the login page. */
    void root(Context ctx) {
        var session = auth.current(ctx);
        if (session.isEmpty()) ctx.redirect("/login");
        else ctx.redirect(session.get().account().role() == Role.ADMIN ? "/admin" : "/label");
    }

    void login(Context ctx) { html(ctx, "login.html"); }

    void label(Context ctx) {
        if (auth.current(ctx).isEmpty()) ctx.redirect("/login");
        else html(ctx, "label.html");
    }

    void admin(Context ctx) {
        var session = auth.current(ctx);
        if (session.isEmpty()) ctx.redirect("/login");
        else if (session.get().account().role() != Role.ADMIN) throw HttpError.forbidden("admins only");
        else html(ctx, "admin.html");
    }

    /** GET /assets/{name}: only the listed files. */
    void asset(Context ctx) {
        String name = ctx.pathParam("name");
        if (!ASSETS.contains(name)) throw HttpError.notFound("no such file");
        ctx.contentType(name.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8");
        ctx.result(files.get(name));
    }

    private void html(Context ctx, String name) {
        ctx.contentType("text/html; charset=utf-8").result(files.get(name));
    }

    private static byte[] read(String name) {
        try (InputStream in = Pages.class.getResourceAsStream(BASE + name)) {
            if (in == null) throw new IllegalStateException("resource " + BASE + name + " is missing from the jar");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
