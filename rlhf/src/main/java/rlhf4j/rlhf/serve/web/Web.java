package rlhf4j.rlhf.serve.web;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.javalin.http.Context;

/** JSON in and out, and the headers every answer carries. */
final class Web {
    static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

    /** Scripts, styles and everything else only from this server; no inline script, no framing, no plugins. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    private Web() {}

    static void securityHeaders(Context ctx) {
        ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        // login links carry a token in the URL: never leak it to another site
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Cache-Control", "no-store");
    }

    static void json(Context ctx, Object value) {
        ctx.contentType("application/json; charset=utf-8").result(GSON.toJson(value));
    }

    /**
     * The request body as a JSON object; 400 when it is not one. The type must say JSON (415 otherwise): a cross-site
     * HTML form can send JSON-looking text/plain, but not application/json.
     */
    static JsonObject body(Context ctx) {
        String type = ctx.contentType();
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json"))
            throw new HttpError(415, "the request body must be application/json");
        try {
            JsonElement e = JsonParser.parseString(ctx.body());
            if (!e.isJsonObject()) throw HttpError.badRequest("the request body must be a JSON object");
            return e.getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw HttpError.badRequest("the request body is not valid JSON");
        }
    }

    /** A string member, or null when absent or JSON null; 400 when it is not a string. */
    static String optionalString(JsonObject json, String field) {
        JsonElement e = json.get(field);
        if (e == null || e.isJsonNull()) return null;
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) throw HttpError.badRequest(field + " must be a string");
        return e.getAsString();
    }

    static String requiredString(JsonObject json, String field) {
        String s = optionalString(json, field);
        if (s == null || s.isBlank()) throw HttpError.badRequest(field + " is required");
        return s;
    }

    /** An integer member, or {@code fallback} when absent; 400 when it is not an integer. */
    static Integer optionalInt(JsonObject json, String field, Integer fallback) {
        JsonElement e = json.get(field);
        if (e == null || e.isJsonNull()) return fallback;
        try {
            if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() && e.getAsString().isBlank()) return fallback;
            double d = e.getAsDouble();
            if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) throw new NumberFormatException();
            return (int) d;
        } catch (RuntimeException ex) {
            throw HttpError.badRequest(field + " must be an integer");
        }
    }

    static long pathId(Context ctx) {
        try {
            return Long.parseLong(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw HttpError.notFound("no such id: " + ctx.pathParam("id"));
        }
    }

    /** A figure for JSON: NaN and infinities (nothing to measure) become null. */
    static Double number(double x) { return Double.isFinite(x) ? x : null; }
}
