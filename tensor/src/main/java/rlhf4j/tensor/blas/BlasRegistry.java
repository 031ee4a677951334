package rlhf4j.tensor.blas;

import java.util.logging.Logger;

/** Picks the GEMM implementation: {@code -Drlhf4j.blas=openblas|jblas|java|naive}, default openblas. */
public final class BlasRegistry {
    private static final Logger LOG = Logger.getLogger(BlasRegistry.class.getName());
    private static volatile Blas current;

    private BlasRegistry() {}

    /** The configured implementation, created once. */
    public static Blas current() {
        Blas b = current;
        if (b == null) {
            synchronized (BlasRegistry.class) {
                if (current == null) current = create(System.getProperty("rlhf4j.blas", "naive"));
                b = current;
            }
        }
        return b;
    }

    /** Replaces the implementation used by the CPU backend (benchmarks and tests switch with this). */
    public static synchronized void use(Blas blas) { current = blas; }

    /** A new instance by name; unknown names are an error listing the choices. */
    public static Blas create(String name) {
        return switch (name) {
            case "naive" -> new NaiveBlas();
            default -> throw new IllegalArgumentException("unknown BLAS '" + name
                    + "' (rlhf4j.blas): choose openblas, jblas, java or naive");
        };
    }
}
