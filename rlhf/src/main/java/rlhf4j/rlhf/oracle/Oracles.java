package rlhf4j.rlhf.oracle;

import java.util.Locale;

/** The built-in oracles by name: the one lookup that the CLI, the pipeline config and Java users share. */
public final class Oracles {
    /** The names {@link #byName} accepts (each also with the {@code oracle:} prefix). */
    public static final String CHOICES = "vader, afinn, oracle:vader or oracle:afinn";

    private Oracles() {}

    /** vader (VADER compound score in [−1, 1]) or afinn (mean AFINN word valence), with or without "oracle:"; case-insensitive. */
    public static TextScorer byName(String name) {
        if (name == null) throw new IllegalArgumentException("no oracle named; expected " + CHOICES);
        String n = name.strip().toLowerCase(Locale.ROOT);
        if (n.startsWith("oracle:")) n = n.substring("oracle:".length());
        return switch (n) {
            case "vader" -> Vader.load();
            case "afinn" -> Afinn.load();
            default -> throw new IllegalArgumentException("unknown oracle '" + name + "'; expected " + CHOICES);
        };
    }
}
