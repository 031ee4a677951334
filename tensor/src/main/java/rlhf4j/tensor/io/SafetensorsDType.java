package rlhf4j.tensor.io;

import rlhf4j.tensor.DType;

/**
 * The safetensors element types this library reads, with their width in the file and the {@link DType} they are
 * loaded as: floats become F32 (F16 and BF16 are widened exactly), integers become I32 (I64 is range-checked).
 */
public enum SafetensorsDType {
    F32(4, DType.F32),
    F16(2, DType.F32),
    BF16(2, DType.F32),
    I32(4, DType.I32),
    I64(8, DType.I32);

    private final int byteSize;
    private final DType loadedAs;

    SafetensorsDType(int byteSize, DType loadedAs) {
        this.byteSize = byteSize;
        this.loadedAs = loadedAs;
    }

    /** Bytes per element in the file. */
    public int byteSize() { return byteSize; }

    /** The tensor dtype a value of this type is loaded as. */
    public DType loadedAs() { return loadedAs; }

    /** The type spelled as in a header ("F32", "BF16", ...), or null when this library does not read it. */
    public static SafetensorsDType parse(String name) {
        for (SafetensorsDType t : values()) if (t.name().equals(name)) return t;
        return null;
    }

    /** The file type a tensor of this dtype is written as (its own, 4-byte, type). */
    public static SafetensorsDType of(DType dtype) {
        return switch (dtype) {
            case F32 -> F32;
            case I32 -> I32;
        };
    }
}
