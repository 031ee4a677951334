package rlhf4j.cuda;

import java.util.function.IntFunction;
import jcuda.driver.CUresult;
import jcuda.jcublas.cublasStatus;

/**
 * Turns status codes into exceptions. Every driver and cuBLAS call's status goes through here, so a failure
 * always names the call (and, for a kernel, the op) instead of surfacing later as garbage numbers.
 *
 * <p>The symbolic names come from JCuda's constant classes (plain Java, no native library); the driver's own
 * description (cuGetErrorString) is added once the driver is loaded.
 */
final class CudaErrors {
    private CudaErrors() {}

    /** The driver's description of a CUresult; set by {@link CudaContext} after cuInit. */
    static volatile IntFunction<String> driverDescription = code -> null;

    /** "CUDA_ERROR_OUT_OF_MEMORY (2): out of memory", or the name alone when the driver is not loaded. */
    static String describeDriver(int status) {
        String name = CUresult.stringFor(status);
        String text = null;
        try {
            text = driverDescription.apply(status);
        } catch (RuntimeException | LinkageError ignored) {
            // describing an error must never hide it
        }
        return name + " (" + status + ")" + (text == null || text.isBlank() ? "" : ": " + text);
    }

    static String describeCublas(int status) { return cublasStatus.stringFor(status) + " (" + status + ")"; }

    /** Throws unless a driver call succeeded. */
    static void check(String call, int status) {
        if (status != CUresult.CUDA_SUCCESS) throw driverError(call, status, null);
    }

    /** Throws unless a driver call succeeded; {@code context} says what was being done (op name, sizes). */
    static void check(String call, int status, String context) {
        if (status != CUresult.CUDA_SUCCESS) throw driverError(call, status, context);
    }

    static CudaException driverError(String call, int status, String context) {
        return new CudaException(call, status, call + " failed: " + describeDriver(status)
                + (context == null ? "" : " [" + context + "]"));
    }

    /** Throws unless a cuBLAS call succeeded. */
    static void checkCublas(String call, int status) {
        if (status != cublasStatus.CUBLAS_STATUS_SUCCESS)
            throw new CudaException(call, status, call + " failed: " + describeCublas(status));
    }
}
