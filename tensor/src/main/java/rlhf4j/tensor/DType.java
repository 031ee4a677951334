package rlhf4j.tensor;

/** Element types. F32 holds values; I32 holds token ids, indices and masks. Both are 4 bytes wide. */
public enum DType {
    F32(4), I32(4);

    private final int byteSize;

    DType(int byteSize) { this.byteSize = byteSize; }

    /** Bytes per element. */
    public int byteSize() { return byteSize; }
}
