package rlhf4j.rlhf.feedback;

import com.google.gson.JsonObject;

/**
 * Converts one record type to and from a JSON object (one JSONL line).
 * {@link #fromJson} throws {@link IllegalArgumentException} naming the field that is missing or wrong; the reader
 * adds the file and line.
 */
public interface JsonlCodec<T> {
    T fromJson(JsonObject json);

    JsonObject toJson(T record);

    /** Raw JSON objects, for importers that read formats of their own. */
    JsonlCodec<JsonObject> RAW = new JsonlCodec<>() {
        @Override public JsonObject fromJson(JsonObject json) { return json; }
        @Override public JsonObject toJson(JsonObject record) { return record; }
    };
}
