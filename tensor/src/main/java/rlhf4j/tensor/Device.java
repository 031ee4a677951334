package rlhf4j.tensor;

import java.util.Locale;

/**
 * Where a tensor's storage lives: a device type understood by one {@link Backend} ("cpu", "cuda") and an index.
 */
public record Device(String type, int index) {
    public static final Device CPU = new Device("cpu", 0);

    public Device {
        if (type == null || type.isBlank()) throw new IllegalArgumentException("device type is empty");
        if (index < 0) throw new IllegalArgumentException("device index must be >= 0, got " + index);
        type = type.toLowerCase(Locale.ROOT);
    }

    public static Device cuda(int index) { return new Device("cuda", index); }

    /** Parses "cpu", "cuda" or "cuda:1". */
    public static Device parse(String s) {
        int colon = s.indexOf(':');
        if (colon < 0) return new Device(s.trim(), 0);
        try {
            return new Device(s.substring(0, colon).trim(), Integer.parseInt(s.substring(colon + 1).trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad device '" + s + "': expected TYPE or TYPE:INDEX, e.g. cuda:0");
        }
    }

    public boolean isCpu() { return type.equals("cpu"); }

    @Override public String toString() { return isCpu() ? "cpu" : type + ":" + index; }
}
