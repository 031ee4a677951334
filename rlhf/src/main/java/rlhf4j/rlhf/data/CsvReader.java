package rlhf4j.rlhf.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A strict RFC 4180 reader: records end at LF or CRLF, fields are separated by commas, and a field that starts with
 * a double quote runs to the matching closing quote, may contain commas and line breaks, and writes a literal quote
 * as two quotes. Anything else (a quote inside an unquoted field, text after a closing quote, a quote left open at
 * the end of the file) is an error naming the file and line.
 */
public final class CsvReader {
    private CsvReader() {}

    /** One record: its fields and the line of the file on which it starts (1-based). */
    public record Row(List<String> fields, int line) {}

    /** Every record of a UTF-8 CSV file, header included. */
    public static List<Row> read(Path file) {
        return parse(TextFiles.readUtf8(file), file.toString());
    }

    /** Every record of {@code text}; {@code source} names it in errors. A final line break ends the last record. */
    public static List<Row> parse(String text, String source) {
        List<Row> rows = new ArrayList<>();
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int line = 1, rowLine = 1;
        int i = 0, n = text.length();
        boolean atFieldStart = true;
        while (i < n) {
            char c = text.charAt(i);
            if (atFieldStart && c == '"') {
                // Quoted field: up to the quote that is not doubled.
                int openedOn = line;
                i++;
                while (true) {
                    if (i >= n) throw new IllegalArgumentException(source + ":" + openedOn + ": quoted field never closed");
                    char q = text.charAt(i);
                    if (q == '"') {
                        if (i + 1 < n && text.charAt(i + 1) == '"') {
                            field.append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    if (q == '\n') line++;
                    field.append(q);
                    i++;
                }
                // After the closing quote only a separator or the end of the record may follow.
                if (i < n && text.charAt(i) != ',' && text.charAt(i) != '\n'
                        && !(text.charAt(i) == '\r' && i + 1 < n && text.charAt(i + 1) == '\n')) {
                    throw new IllegalArgumentException(source + ":" + line + ": unexpected '" + text.charAt(i)
                            + "' after a closing quote");
                }
                atFieldStart = false;
                continue;
            }
            if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
                atFieldStart = true;
                i++;
            } else if (c == '\n' || (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n')) {
                fields.add(field.toString());
                field.setLength(0);
                rows.add(new Row(List.copyOf(fields), rowLine));
                fields.clear();
                atFieldStart = true;
                i += c == '\r' ? 2 : 1;
                line++;
                rowLine = line;
            } else if (c == '"') {
                throw new IllegalArgumentException(source + ":" + line + ": quote inside an unquoted field");
            } else {
                field.append(c);
                atFieldStart = false;
                i++;
            }
        }
        // A last record without a final line break.
        if (!atFieldStart || !fields.isEmpty() || field.length() > 0) {
            fields.add(field.toString());
            rows.add(new Row(List.copyOf(fields), rowLine));
        }
        return rows;
    }
}
