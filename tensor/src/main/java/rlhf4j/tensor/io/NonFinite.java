package rlhf4j.tensor.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.Optional;
import rlhf4j.tensor.DType;
import rlhf4j.tensor.Tensor;

/**
 * Counts NaN and ±∞ in loaded weights. A weights file full of NaN still loads and even generates (every logit NaN,
 * so the argmax is token 0); saying so at load time is the only place the cause is still visible.
 */
public final class NonFinite {
    private NonFinite() {}

    /** How many elements of an F32 tensor are NaN or infinite (0 for I32 tensors). */
    public static long count(Tensor t) {
        if (t.dtype() != DType.F32 || t.numel() == 0) return 0;
        if (t.isContiguous() && t.storage() instanceof Tensor.HostAccessible host) {
            MemorySegment s = host.hostSegment();
            long start = t.offset(), n = t.numel(), bad = 0;
            for (long i = 0; i < n; i++) if (!Float.isFinite(s.getAtIndex(ValueLayout.JAVA_FLOAT, start + i))) bad++;
            return bad;
        }
        long bad = 0;
        for (float v : t.toFloatArray()) if (!Float.isFinite(v)) bad++;
        return bad;
    }

    /**
     * One line naming the first tensor with non-finite values and their count, and how many tensors and values
     * are affected in all; empty when every value is finite. Tensors shared under two names are counted once.
     */
    public static Optional<String> warning(String source, Map<String, Tensor> tensors) {
        String first = null;
        long firstCount = 0, firstSize = 0, total = 0;
        int affected = 0;
        java.util.Set<Tensor> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (var e : tensors.entrySet()) {
            if (!seen.add(e.getValue())) continue;
            long bad = count(e.getValue());
            if (bad == 0) continue;
            if (first == null) { first = e.getKey(); firstCount = bad; firstSize = e.getValue().numel(); }
            affected++;
            total += bad;
        }
        if (first == null) return Optional.empty();
        String more = affected == 1 ? "" : " (" + affected + " tensors, " + total + " values in all)";
        return Optional.of("warning: " + source + ": tensor " + Quote.cap(first) + " has " + firstCount + " of "
                + firstSize + " values NaN or infinite" + more + "; the model will not compute anything meaningful");
    }
}
