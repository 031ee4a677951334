package rlhf4j.cuda;

import rlhf4j.tensor.Backend;
import rlhf4j.tensor.Backends;
import rlhf4j.tensor.Device;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;

/**
 * A plain-main GPU benchmark (prints "unavailable" without CUDA):
 * <ul>
 *   <li>SGEMM 4096² through the Tensor API vs the same cuBLAS call made directly, TF32 off and on;</li>
 *   <li>softmax and layerNorm effective bandwidth vs the measured device-to-device copy bandwidth.</li>
 * </ul>
 * Run: {@code mvn -B -q -o -pl native -am test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt}
 * then {@code java --enable-native-access=ALL-UNNAMED -cp native/target/test-classes:native/target/classes:$(cat
 * native/target/cp.txt) rlhf4j.cuda.CudaBenchmark}.
 */
public final class CudaBenchmark {
    static final Device GPU = Device.cuda(0);

    private CudaBenchmark() {}

    public static void main(String[] args) {
        Backend backend = null;
        for (Backend b : Backends.list()) if (b.deviceType().equals("cuda")) backend = b;
        if (backend == null || !backend.isAvailable()) {
            System.out.println("CUDA benchmark: unavailable (" + (backend == null ? "no cuda backend" : backend.unavailableReason()) + ")");
            return;
        }
        CudaBackend cuda = (CudaBackend) backend;
        CudaContext ctx = cuda.context(0);
        System.out.println("device: " + cuda.describe() + ", GEMM through " + ctx.cublas().name());
        gemm(cuda, ctx);
        bandwidth(cuda, ctx);
    }

    /** Median seconds per run of body over reps runs (after warm-up), with the stream drained around each run. */
    static double time(CudaContext ctx, int reps, Runnable body) {
        for (int i = 0; i < 3; i++) body.run();
        ctx.synchronize();
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            body.run();
            ctx.synchronize();
            t[i] = (System.nanoTime() - t0) * 1e-9;
        }
        java.util.Arrays.sort(t);
        return t[reps / 2];
    }

    static long address(Tensor t) { return ((CudaStorage) t.storage()).address(); }

    static void gemm(CudaBackend cuda, CudaContext ctx) {
        int n = 4096;
        double flops = 2.0 * n * n * n;
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor a = Tensor.randn(1, GPU, n, n), b = Tensor.randn(2, GPU, n, n), c = Tensor.empty(rlhf4j.tensor.DType.F32, GPU, n, n);
            for (boolean tf32 : new boolean[]{false, true}) {
                ctx.setTf32(tf32);
                double api = time(ctx, 10, () -> {
                    try (MemoryScope s = MemoryScope.open()) { a.matmul(b); }
                });
                double raw = time(ctx, 10, () -> ctx.cublas().sgemm(CublasApi.OP_N, CublasApi.OP_N, n, n, n, 1f,
                        address(b), n, address(a), n, 0f, address(c), n));
                System.out.printf("SGEMM %d² %-4s  Tensor.matmul %7.1f TFLOP/s   raw cuBLAS %7.1f TFLOP/s   (overhead %.1f%%)%n",
                        n, tf32 ? "TF32" : "FP32", flops / api * 1e-12, flops / raw * 1e-12, (api / raw - 1) * 100);
            }
            ctx.setTf32(false);
        }
    }

    static void bandwidth(CudaBackend cuda, CudaContext ctx) {
        int rows = 16384, c = 4096;
        long bytes = 4L * rows * c;
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor x = Tensor.randn(3, GPU, rows, c), y = Tensor.empty(rlhf4j.tensor.DType.F32, GPU, rows, c);
            Tensor w = Tensor.full(1, rlhf4j.tensor.DType.F32, GPU, c), bias = Tensor.zeros(rlhf4j.tensor.DType.F32, GPU, c);
            Tensor mean = Tensor.empty(rlhf4j.tensor.DType.F32, GPU, rows), rstd = Tensor.empty(rlhf4j.tensor.DType.F32, GPU, rows);
            double copy = time(ctx, 20, () -> ctx.copyDeviceToDevice(address(y), address(x), bytes));
            double softmax = time(ctx, 20, () -> cuda.softmax(x, y, false));
            double layerNorm = time(ctx, 20, () -> cuda.layerNorm(x, w, bias, 1e-5f, y, mean, rstd));
            double copyGBs = 2 * bytes / copy * 1e-9;
            System.out.printf("device copy      %7.0f GB/s (read + write of %d MiB)%n", copyGBs, bytes >> 20);
            for (var e : new Object[][]{{"softmax", softmax}, {"layerNorm", layerNorm}}) {
                double gbs = 2 * bytes / (double) e[1] * 1e-9;       // one read of x, one write of y
                System.out.printf("%-16s %7.0f GB/s (%.0f%% of copy)%n", e[0], gbs, 100 * gbs / copyGBs);
            }
        }
    }
}
