package rlhf4j.cuda;

/** A failed CUDA driver or cuBLAS call: names the call and the library's error string. */
public final class CudaException extends RuntimeException {
    private final String call;
    private final int status;

    CudaException(String call, int status, String message) {
        super(message);
        this.call = call;
        this.status = status;
    }

    /** The API function that failed, e.g. "cuMemAlloc". */
    public String call() { return call; }

    /** Its status code (CUresult or cublasStatus_t). */
    public int status() { return status; }
}
