package rlhf4j.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Secondary JMH metrics: a benchmark adds the work one invocation did, and JMH divides the sum by the measured
 * time, so {@code :gflop} reads as GFLOP/s and {@code :gbytes} as GB/s (10⁹ bytes per second) in the ops/s column.
 */
public final class Rates {
    private Rates() {}

    /** Floating-point operations, in units of 10⁹. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public double gflop;

        @Setup(Level.Iteration) public void reset() { gflop = 0; }
    }

    /** Bytes read plus bytes written, in units of 10⁹. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        public double gbytes;

        @Setup(Level.Iteration) public void reset() { gbytes = 0; }
    }
}
