package rlhf4j.transformer.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import rlhf4j.tensor.io.Quote;
import rlhf4j.tensor.io.Utf8Text;

/** Reading a model's or tokenizer's JSON file: strict UTF-8, one object, integers that are integers. */
public final class ConfigJson {
    private ConfigJson() {}

    /** The file's JSON object; invalid UTF-8, invalid JSON or another value is a {@link FileFormatException}. */
    public static JsonObject readObject(Path file) throws IOException {
        String text;
        try {
            text = Utf8Text.read(file);
        } catch (Utf8Text.MalformedException e) {
            throw new FileFormatException(file, e.getMessage());
        }
        JsonElement root;
        try {
            root = JsonParser.parseString(text);
        } catch (JsonParseException e) {   // Gson reports nesting too deep for its stack here too
            throw new FileFormatException(file, "not valid JSON: " + Quote.cap(e.getMessage()));
        }
        if (!root.isJsonObject()) throw new FileFormatException(file, "expected a JSON object, got " + Quote.cap(root));
        return root.getAsJsonObject();
    }

    /** A required field holding an integer in the int range: 12 is one, 12.5, 1e40, "12" and true are not. */
    public static int integer(Path file, JsonObject o, String key) throws FileFormatException {
        JsonElement e = o.get(key);
        if (e == null) throw new FileFormatException(file, "missing \"" + key + "\"");
        return integer(file, e, "\"" + key + "\"");
    }

    /** An integer value in the int range; {@code what} names it in the message. */
    public static int integer(Path file, JsonElement e, String what) throws FileFormatException {
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            try {
                return new BigDecimal(e.getAsString()).intValueExact();   // the literal, never rounded
            } catch (ArithmeticException | NumberFormatException notAnInt) {
                // reported below
            }
        }
        throw new FileFormatException(file, what + " is " + Quote.cap(e) + ", expected an integer");
    }
}
