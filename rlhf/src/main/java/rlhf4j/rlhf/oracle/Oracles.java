package rlhf4j.rlhf.oracle;

import java.util.Locale;

/** The oracles by name: the one place the command line and configs turn {@code vader} or {@code oracle:afinn} into a scorer. */
public final class Oracles {
    private Oracles() {}

    /** The names {@link #byName} accepts, for messages. */
    public static final String CHOICES = "vader, afinn (also written oracle:vader, oracle:afinn), "
            + "or the class name of a TextScorer with a no-argument constructor";

    /**
     * {@code vader} (VADER's compound score in [−1, 1]) or {@code afinn} (mean AFINN-165 word valence), case-insensitive,
     * with or without an {@code oracle:} prefix; or the fully qualified class name of a {@link TextScorer} with a
     * no-argument constructor.
     *
     * @throws IllegalArgumentException for any other name, listing the choices
     */
    public static TextScorer byName(String name) {
        String bare = name.regionMatches(true, 0, "oracle:", 0, 7) ? name.substring(7) : name;
        switch (bare.toLowerCase(Locale.ROOT)) {
            case "vader": return Vader.load();
            case "afinn": return Afinn.load();
            default: break;
        }
        if (bare.contains(".")) {
            try {
                Object o = Class.forName(bare).getDeclaredConstructor().newInstance();
                if (o instanceof TextScorer scorer) return scorer;
            } catch (ReflectiveOperationException | LinkageError e) {
                throw new IllegalArgumentException("unknown oracle '" + name + "' (" + e.getClass().getSimpleName()
                        + "); expected " + CHOICES, e);
            }
        }
        throw new IllegalArgumentException("unknown oracle '" + name + "'; expected " + CHOICES);
    }
}
