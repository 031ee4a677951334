package rlhf4j.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import jcuda.driver.JCudaDriver;

/**
 * Decides whether CUDA can run here, step by step, and says why not: disabled by a property, no libcuda.so.1 (no
 * NVIDIA driver), JCuda's native library not loadable, cuInit failing, or no device. It never throws.
 */
final class CudaProbe {
    private CudaProbe() {}

    /** @return null when CUDA is usable, else the reason */
    static String unavailableReason() {
        if (Boolean.getBoolean("rlhf4j.cuda.disable")) return "disabled with -Drlhf4j.cuda.disable=true";
        // Look for the driver library first, so JCuda's natives (which link it) are only loaded where they can be.
        try {
            SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            return "libcuda.so.1 not found (no NVIDIA driver installed)";
        } catch (Throwable t) {
            return "libcuda.so.1 could not be loaded: " + t;
        }
        try {
            JCudaDriver.setExceptionsEnabled(false);                  // loads libJCudaDriver; statuses checked by us
            int status = JCudaDriver.cuInit(0);
            if (status != 0) return "cuInit failed: " + CudaErrors.describeDriver(status);
            CudaErrors.driverDescription = CudaProbe::driverErrorString;
            int[] count = new int[1];
            status = JCudaDriver.cuDeviceGetCount(count);
            if (status != 0) return "cuDeviceGetCount failed: " + CudaErrors.describeDriver(status);
            if (count[0] == 0) return "no CUDA device";
            return null;
        } catch (Throwable t) {
            return "JCuda driver bindings failed to load: " + t;
        }
    }

    static int deviceCount() {
        int[] count = new int[1];
        CudaErrors.check("cuDeviceGetCount", JCudaDriver.cuDeviceGetCount(count));
        return count[0];
    }

    private static String driverErrorString(int status) {
        String[] s = new String[1];
        return JCudaDriver.cuGetErrorString(status, s) == 0 ? s[0] : null;
    }
}
