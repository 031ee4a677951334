package rlhf4j.rlhf.serve.web;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

/** One browser-like client of the labeling server: keeps its session cookie and CSRF token, as the pages do. */
final class ApiClient {
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    /** A response with its body as text and, when it is JSON, parsed. */
    record Reply(int status, String body, HttpResponse<String> raw) {
        JsonElement json() { return JsonParser.parseString(body); }

        JsonObject object() { return json().getAsJsonObject(); }

        String header(String name) { return raw.headers().firstValue(name).orElse(null); }
    }

    final String base;
    String cookie;
    String csrf;

    ApiClient(String base) { this.base = base; }

    Reply get(String path) { return send(builder(path).GET()); }

    /** A POST with this client's CSRF token. */
    Reply post(String path, Object body) { return post(path, body, csrf); }

    /** A POST with the given CSRF token (null: none). */
    Reply post(String path, Object body, String token) {
        return post(path, body, token, Map.of());
    }

    Reply post(String path, Object body, String token, Map<String, String> headers) {
        HttpRequest.Builder b = builder(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Web.GSON.toJson(body)));
        if (token != null) b.header(Auth.CSRF_HEADER, token);
        headers.forEach(b::header);
        return send(b);
    }

    /** Logs in by name and password; fails the test unless it works. */
    ApiClient login(String name, String password) {
        Reply r = post("/api/login", Map.of("name", name, "password", password), null);
        if (r.status() != 200) throw new AssertionError("login of " + name + " answered " + r.status() + " " + r.body());
        csrf = r.object().get("csrf").getAsString();
        return this;
    }

    private HttpRequest.Builder builder(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        if (cookie != null) b.header("Cookie", Auth.COOKIE + "=" + cookie);
        return b;
    }

    private Reply send(HttpRequest.Builder b) {
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            r.headers().firstValue("Set-Cookie").ifPresent(c -> {
                String value = c.substring(c.indexOf('=') + 1, c.indexOf(';'));
                cookie = value.isEmpty() ? null : value;
            });
            return new Reply(r.statusCode(), r.body(), r);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
