package rlhf4j.rlhf.stage;

/** What a stage does with an output that already exists: refuse to run, or replace it. Never append. */
public enum OutputMode {
    /** An existing, non-empty output is an error ("pass --overwrite to replace it"). */
    REFUSE,
    /** An existing output is deleted (with a message) before the stage writes its own. */
    REPLACE;

    /** REPLACE when {@code overwrite}, else REFUSE (the CLI's --overwrite flag). */
    public static OutputMode of(boolean overwrite) { return overwrite ? REPLACE : REFUSE; }
}
