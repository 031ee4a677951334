package rlhf4j.tensor.blas;

import java.util.logging.Logger;

/**
 * Picks the GEMM implementation: {@code -Drlhf4j.blas=openblas|jblas|java|naive}, default openblas. When the
 * default OpenBLAS cannot be loaded (another OS, no writable cache directory), the reason is logged once and the
 * pure-Java {@link JavaBlas} is used instead.
 */
public final class BlasRegistry {
    private static final Logger LOG = Logger.getLogger(BlasRegistry.class.getName());
    private static volatile Blas current;

    private BlasRegistry() {}

    /** The configured implementation, created once. */
    public static Blas current() {
        Blas b = current;
        if (b == null) {
            synchronized (BlasRegistry.class) {
                if (current == null) current = createOrFallBack(System.getProperty("rlhf4j.blas", "openblas"));
                b = current;
            }
        }
        return b;
    }

    /** Replaces the implementation used by the CPU backend (benchmarks and tests switch with this). */
    public static synchronized void use(Blas blas) { current = blas; }

    /** OpenBLAS falls back to Java with a logged reason; any other choice is taken as given. */
    private static Blas createOrFallBack(String name) {
        if (!name.equals("openblas")) return create(name);
        try {
            return create(name);
        } catch (RuntimeException | LinkageError e) {
            LOG.warning("OpenBLAS unavailable (" + e + "); using the pure-Java GEMM (rlhf4j.blas=java)");
            return create("java");
        }
    }

    /** A new instance by name; unknown names are an error listing the choices. */
    public static Blas create(String name) {
        return switch (name) {
            case "openblas" -> new OpenBlas();
            case "jblas" -> new JBlas();
            case "java" -> new JavaBlas();
            case "naive" -> new NaiveBlas();
            default -> throw new IllegalArgumentException("unknown BLAS '" + name
                    + "' (rlhf4j.blas): choose openblas, jblas, java or naive");
        };
    }
}
