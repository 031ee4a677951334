package rlhf4j.rlhf.serve.web;

/** A request the server refuses: the HTTP status and a one-line reason, answered as {@code {"error": reason}}. */
final class HttpError extends RuntimeException {
    private final int status;

    HttpError(int status, String reason) {
        super(reason, null, false, false);
        this.status = status;
    }

    int status() { return status; }

    static HttpError badRequest(String reason) { return new HttpError(400, reason); }

    static HttpError notFound(String reason) { return new HttpError(404, reason); }

    static HttpError forbidden(String reason) { return new HttpError(403, reason); }
}
