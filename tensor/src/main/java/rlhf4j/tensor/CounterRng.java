package rlhf4j.tensor;

/**
 * A counter-based random generator: value i of stream {@code seed} is a pure function of (seed, i), so
 * results do not depend on thread count, split points or backend (the CUDA kernels compute the same function).
 * The mixer is SplitMix64's finaliser.
 */
public final class CounterRng {
    private CounterRng() {}

    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** 64 random bits for counter i of stream seed. */
    public static long bits(long seed, long i) {
        return mix(mix(seed) + (i + 1) * 0x9E3779B97F4A7C15L);
    }

    /** Uniform in [0, 1) with 24 random bits (exactly representable as a float). */
    public static float uniform(long seed, long i) {
        return (bits(seed, i) >>> 40) * 0x1.0p-24f;
    }

    /** Standard normal by Box-Muller from counters 2i and 2i+1. */
    public static float normal(long seed, long i) {
        double u1 = 1.0 - uniform(seed, 2 * i);        // (0, 1], so the log is finite
        double u2 = uniform(seed, 2 * i + 1);
        return (float) (Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2));
    }
}
