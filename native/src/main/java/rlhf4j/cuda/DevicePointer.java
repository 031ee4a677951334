package rlhf4j.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/** A CUdeviceptr filled in by cuMemAlloc whose address can be read (kernels and cuBLAS take plain addresses). */
final class DevicePointer extends CUdeviceptr {
    long address() { return getNativePointer() + getByteOffset(); }

    /** A JCuda Pointer holding a raw device address (for JCublas, which takes Pointer arguments). */
    static Pointer raw(long address) { return new RawPointer(address); }

    private static final class RawPointer extends Pointer {
        RawPointer(long address) { super(address); }
    }
}
