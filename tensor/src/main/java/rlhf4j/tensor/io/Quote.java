package rlhf4j.tensor.io;

/**
 * Input quoted in error messages, cut to a readable length: a bad value in a data file can be megabytes long, and
 * an error message should stay one line that a person reads.
 */
public final class Quote {
    /** The most characters of a value that a message quotes. */
    public static final int MAX_CHARS = 200;

    private Quote() {}

    /**
     * The text itself when at most {@value #MAX_CHARS} characters, else its first {@value #MAX_CHARS} characters
     * and how long it was, e.g. {@code "[1,2,3,… (20000000 characters)"}. Null reads as "null".
     */
    public static String cap(String text) {
        if (text == null) return "null";
        if (text.length() <= MAX_CHARS) return text;
        int end = MAX_CHARS;
        if (Character.isHighSurrogate(text.charAt(end - 1))) end--;   // never cut a character in half
        return text.substring(0, end) + "… (" + text.length() + " characters)";
    }

    /** {@link #cap(String)} of {@code String.valueOf(value)}, e.g. of a JSON element. */
    public static String cap(Object value) { return cap(String.valueOf(value)); }
}
