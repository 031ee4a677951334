package rlhf4j.tensor.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import rlhf4j.tensor.DType;
import rlhf4j.tensor.Tensor;

/** A C-style {@code int*} over a memory segment, for token ids, targets and indices (see {@link FloatPtr}). */
public record IntPtr(MemorySegment seg, long off) {
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;

    public int get(long i) { return seg.getAtIndex(I, off + i); }

    public void set(long i, int v) { seg.setAtIndex(I, off + i, v); }

    public IntPtr at(long i) { return new IntPtr(seg, off + i); }

    /** A pointer to the first element of a contiguous CPU I32 tensor. */
    public static IntPtr of(Tensor t) {
        if (t.dtype() != DType.I32) throw new IllegalArgumentException("expected an I32 tensor, got " + t);
        if (!t.isContiguous()) throw new IllegalArgumentException("expected a contiguous tensor, got " + t);
        return new IntPtr(CpuBackend.seg(t), t.offset());
    }

    public static IntPtr of(int[] a) { return new IntPtr(MemorySegment.ofArray(a), 0); }
}
