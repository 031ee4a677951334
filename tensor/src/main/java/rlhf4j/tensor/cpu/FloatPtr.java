package rlhf4j.tensor.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import rlhf4j.tensor.DType;
import rlhf4j.tensor.Tensor;

/**
 * A C-style {@code float*}: a memory segment and an element offset into it. {@code x.at(i * C)} is {@code x + i*C},
 * {@code x.get(j)} is {@code x[j]}, so the reference kernels read like llm.c.
 */
public record FloatPtr(MemorySegment seg, long off) {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    public float get(long i) { return seg.getAtIndex(F, off + i); }

    public void set(long i, float v) { seg.setAtIndex(F, off + i, v); }

    /** x[i] += v. */
    public void add(long i, float v) { seg.setAtIndex(F, off + i, seg.getAtIndex(F, off + i) + v); }

    /** The pointer i elements further on. */
    public FloatPtr at(long i) { return new FloatPtr(seg, off + i); }

    /** A pointer to the first element of a contiguous CPU F32 tensor. */
    public static FloatPtr of(Tensor t) {
        if (t.dtype() != DType.F32) throw new IllegalArgumentException("expected an F32 tensor, got " + t);
        if (!t.isContiguous()) throw new IllegalArgumentException("expected a contiguous tensor, got " + t);
        return new FloatPtr(CpuBackend.seg(t), t.offset());
    }

    /** A pointer to element 0 of any CPU F32 tensor view; index it with the view's own strides. */
    public static FloatPtr ofView(Tensor t) {
        if (t.dtype() != DType.F32) throw new IllegalArgumentException("expected an F32 tensor, got " + t);
        return new FloatPtr(CpuBackend.seg(t), t.offset());
    }

    /** A pointer to the start of a Java array (for tests and small host buffers). */
    public static FloatPtr of(float[] a) { return new FloatPtr(MemorySegment.ofArray(a), 0); }
}
