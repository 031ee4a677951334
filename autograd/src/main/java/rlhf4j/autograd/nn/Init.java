package rlhf4j.autograd.nn;

import rlhf4j.tensor.DType;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;

/**
 * Parameter initialisers. All draw from the counter-based generator ({@link Tensor#randn}), so a seed gives the
 * same bits on every backend and thread count; all return long-lived tensors (even inside a MemoryScope).
 */
public final class Init {
    private Init() {}

    /** Normal(0, std²) — GPT-2 uses std 0.02. */
    public static Tensor normal(long seed, double std, Device device, int... shape) {
        return MemoryScope.unscoped(() -> {
            Tensor t = Tensor.empty(DType.F32, device, shape);
            t.backend().randomNormal(t, seed, 0f, (float) std);
            return t;
        });
    }

    public static Tensor normal(long seed, double std, int... shape) { return normal(seed, std, Device.CPU, shape); }

    /** Uniform [lo, hi). */
    public static Tensor uniform(long seed, double lo, double hi, Device device, int... shape) {
        return MemoryScope.unscoped(() -> Tensor.rand(seed, (float) lo, (float) hi, device, shape));
    }

    public static Tensor uniform(long seed, double lo, double hi, int... shape) { return uniform(seed, lo, hi, Device.CPU, shape); }

    public static Tensor zeros(Device device, int... shape) {
        return MemoryScope.unscoped(() -> Tensor.zeros(DType.F32, device, shape));
    }

    public static Tensor zeros(int... shape) { return zeros(Device.CPU, shape); }

    public static Tensor ones(Device device, int... shape) {
        return MemoryScope.unscoped(() -> Tensor.full(1, DType.F32, device, shape));
    }

    public static Tensor ones(int... shape) { return ones(Device.CPU, shape); }

    /** Kaiming (He) uniform for ReLU nets: U(−b, b) with b = √(6 / fanIn), so activations keep variance 2/fanIn·fanIn. */
    public static Tensor kaimingUniform(long seed, int fanIn, Device device, int... shape) {
        double bound = Math.sqrt(6.0 / fanIn);
        return uniform(seed, -bound, bound, device, shape);
    }

    /** Xavier (Glorot) uniform: U(−b, b) with b = √(6 / (fanIn + fanOut)). */
    public static Tensor xavierUniform(long seed, int fanIn, int fanOut, Device device, int... shape) {
        double bound = Math.sqrt(6.0 / (fanIn + fanOut));
        return uniform(seed, -bound, bound, device, shape);
    }

    /** PyTorch's default for Linear weights and biases: U(−1/√fanIn, 1/√fanIn). */
    public static Tensor linearDefault(long seed, int fanIn, Device device, int... shape) {
        double bound = 1.0 / Math.sqrt(fanIn);
        return uniform(seed, -bound, bound, device, shape);
    }
}
