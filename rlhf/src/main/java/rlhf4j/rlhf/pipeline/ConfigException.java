package rlhf4j.rlhf.pipeline;

/** A pipeline configuration that cannot be used; the message names the file and the field. */
public final class ConfigException extends IllegalArgumentException {
    public ConfigException(String message) { super(message); }

    public ConfigException(String message, Throwable cause) { super(message, cause); }
}
