package rlhf4j.tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.logging.Logger;

/** Finds backends with {@link ServiceLoader}. The CPU backend is always present. */
public final class Backends {
    private static final Logger LOG = Logger.getLogger(Backends.class.getName());
    private static volatile Map<String, Backend> byType;

    private Backends() {}

    private static Map<String, Backend> all() {
        Map<String, Backend> m = byType;
        if (m == null) {
            synchronized (Backends.class) {
                m = byType;
                if (m == null) {
                    m = new LinkedHashMap<>();
                    for (Backend b : ServiceLoader.load(Backend.class)) m.putIfAbsent(b.deviceType(), b);
                    if (!m.containsKey("cpu")) throw new IllegalStateException("no CPU backend on the class path");
                    byType = m;
                }
            }
        }
        return m;
    }

    /** The CPU backend. */
    public static Backend cpu() { return all().get("cpu"); }

    /** Every backend found, available or not. */
    public static Iterable<Backend> list() { return all().values(); }

    /** Whether a usable backend owns this device type. */
    public static boolean isAvailable(String deviceType) {
        Backend b = all().get(deviceType);
        return b != null && b.isAvailable();
    }

    /** The backend for a device; a clear error when none is found or it cannot run here. */
    public static Backend forDevice(Device device) {
        if (device == Device.CPU) return cpu();   // the common case: no availability check needed
        Backend b = all().get(device.type());
        if (b == null)
            throw new IllegalArgumentException("no backend for device '" + device + "' on the class path (found: "
                    + all().keySet() + ")");
        if (!b.isAvailable())
            throw new IllegalStateException("backend for '" + device + "' is unavailable: " + b.unavailableReason());
        return b;
    }

    /** The device to use by default: the first available non-CPU backend when {@code preferAccelerator}. */
    public static Device defaultDevice(boolean preferAccelerator) {
        if (preferAccelerator) {
            for (Backend b : all().values()) {
                if (!b.deviceType().equals("cpu")) {
                    if (b.isAvailable()) return new Device(b.deviceType(), 0);
                    LOG.info(() -> b.deviceType() + " backend unavailable (" + b.unavailableReason() + "); using cpu");
                }
            }
        }
        return Device.CPU;
    }
}
