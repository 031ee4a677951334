package rlhf4j.cuda;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;
import rlhf4j.tensor.Backends;
import rlhf4j.tensor.DType;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.Tensor;

/** Helpers for the GPU-only tests: skip without CUDA, poisoned outputs, and comparisons where NaN never passes. */
final class GpuTesting {
    static final Device GPU = Device.cuda(0);

    private GpuTesting() {}

    /** Skips the calling test class (JUnit assumption) when this machine has no usable CUDA. */
    static void assumeGpu() {
        Assumptions.assumeTrue(Backends.isAvailable("cuda"), () -> "no GPU: " + reason());
    }

    static String reason() {
        for (var b : Backends.list()) if (b.deviceType().equals("cuda")) return b.unavailableReason();
        return "no cuda backend on the class path";
    }

    /** An F32 GPU tensor full of NaN: any element a kernel fails to write shows up in the comparison. */
    static Tensor poisoned(int... shape) { return Tensor.full(Float.NaN, DType.F32, GPU, shape); }

    static Tensor poisonedLike(Tensor t) { return poisoned(t.shape()); }

    /** Uniform random CPU tensor in [lo, hi). */
    static Tensor rand(long seed, float lo, float hi, int... shape) { return Tensor.rand(seed, lo, hi, Device.CPU, shape); }

    static Tensor gpu(Tensor cpu) { return cpu.to(GPU); }

    /** |got − want| ≤ atol + rtol·|want| elementwise; a NaN in got (or in want) always fails. */
    static void assertClose(float[] want, float[] got, float rtol, float atol, String what) {
        if (want.length != got.length) fail(what + ": " + got.length + " values, expected " + want.length);
        for (int i = 0; i < want.length; i++) {
            float w = want[i], g = got[i];
            boolean ok = !Float.isNaN(g) && !Float.isNaN(w)
                    && (w == g || Math.abs(g - w) <= atol + rtol * Math.abs(w));
            if (!ok) fail(what + ": element " + i + " is " + g + ", expected " + w + " (of " + want.length + ")");
        }
    }

    static void assertClose(Tensor want, Tensor got, float rtol, float atol, String what) {
        if (!want.sameShape(got)) fail(what + ": shape " + got + ", expected " + want);
        assertClose(want.toFloatArray(), got.toFloatArray(), rtol, atol, what);
    }

    static void assertClose(double[] want, float[] got, float rtol, float atol, String what) {
        float[] w = new float[want.length];
        for (int i = 0; i < w.length; i++) w[i] = (float) want[i];
        assertClose(w, got, rtol, atol, what);
    }

    static double[] doubles(Tensor t) {
        float[] f = t.toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }
}
