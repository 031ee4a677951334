package rlhf4j.transformer.train;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import rlhf4j.tensor.io.Quote;
import rlhf4j.tensor.io.Utf8Text;
import rlhf4j.transformer.io.FileFormatException;

/**
 * Reads supervised fine-tuning pairs from a JSON Lines file: one object per line with string fields
 * {@value #PROMPT} and {@value #RESPONSE}; other fields are ignored, blank lines skipped.
 *
 * <pre>{@code
 * {"prompt": "Once upon a time", "response": " there was a little cat."}
 * }</pre>
 *
 * A line that is not such an object is an error naming the file and the line number.
 */
public final class SftData {
    public static final String PROMPT = "prompt", RESPONSE = "response";

    /** One pair, with the line it came from. */
    public record Pair(String prompt, String response, int line) {}

    private SftData() {}

    public static List<Pair> read(Path file) throws IOException {
        List<Pair> pairs = new ArrayList<>();
        try (Utf8Text.LineReader in = new Utf8Text.LineReader(Files.newInputStream(file))) {
            String text;
            while ((text = in.readLine()) != null) {
                if (text.isBlank()) continue;
                pairs.add(parse(file, (int) in.lineNumber(), text));
            }
        } catch (Utf8Text.MalformedException e) {
            throw new FileFormatException(file, e.getMessage());
        }
        if (pairs.isEmpty()) throw new FileFormatException(file, "no (prompt, response) pairs in this file");
        return pairs;
    }

    private static Pair parse(Path file, int line, String text) throws FileFormatException {
        JsonElement root;
        try {
            root = JsonParser.parseString(text);
        } catch (JsonParseException e) {
            throw new FileFormatException(file, "line " + line + ": not valid JSON: " + Quote.cap(e.getMessage()), e);
        }
        if (!root.isJsonObject()) throw new FileFormatException(file, "line " + line + ": expected a JSON object, got " + abbreviate(text));
        JsonObject o = root.getAsJsonObject();
        return new Pair(string(file, line, o, PROMPT), string(file, line, o, RESPONSE), line);
    }

    private static String string(Path file, int line, JsonObject o, String key) throws FileFormatException {
        JsonElement e = o.get(key);
        if (e == null) throw new FileFormatException(file, "line " + line + ": missing \"" + key + "\" (each line needs \""
                + PROMPT + "\" and \"" + RESPONSE + "\")");
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString())
            throw new FileFormatException(file, "line " + line + ": \"" + key + "\" must be a string, got " + abbreviate(e.toString()));
        return e.getAsString();
    }

    private static String abbreviate(String s) { return Quote.cap(s); }
}
