package rlhf4j.cuda;

import jcuda.driver.CUstream;

/** A CUstream whose raw handle can be read, so the FFM cuBLAS binding can be put on the same stream. */
final class CudaStream extends CUstream {
    long handle() { return getNativePointer(); }
}
