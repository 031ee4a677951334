package rlhf4j.cuda;

import static org.junit.jupiter.api.Assertions.*;

import jcuda.driver.CUresult;
import jcuda.jcublas.cublasStatus;
import org.junit.jupiter.api.Test;

/** Status codes become exceptions naming the call and the CUDA error (runs without a driver). */
class CudaErrorsTest {

    @Test void successPasses() {
        assertDoesNotThrow(() -> CudaErrors.check("cuInit", CUresult.CUDA_SUCCESS));
        assertDoesNotThrow(() -> CudaErrors.checkCublas("cublasSgemm_v2", cublasStatus.CUBLAS_STATUS_SUCCESS));
    }

    @Test void driverErrorNamesCallCodeAndContext() {
        CudaException e = assertThrows(CudaException.class,
                () -> CudaErrors.check("cuMemAlloc", CUresult.CUDA_ERROR_OUT_OF_MEMORY, "4096 bytes"));
        assertEquals("cuMemAlloc", e.call());
        assertEquals(2, e.status());
        assertTrue(e.getMessage().startsWith("cuMemAlloc failed: CUDA_ERROR_OUT_OF_MEMORY (2)"), e.getMessage());
        assertTrue(e.getMessage().endsWith("[4096 bytes]"), e.getMessage());
    }

    @Test void asynchronousKernelFaultsAreNamed() {
        CudaException e = assertThrows(CudaException.class,
                () -> CudaErrors.check("cuStreamSynchronize", CUresult.CUDA_ERROR_ILLEGAL_ADDRESS, "a kernel failed; latest softmax"));
        assertTrue(e.getMessage().contains("CUDA_ERROR_ILLEGAL_ADDRESS (700)"), e.getMessage());
        assertTrue(e.getMessage().contains("softmax"), e.getMessage());
    }

    @Test void driverDescriptionIsAddedWhenAvailableAndNeverHidesTheError() {
        var saved = CudaErrors.driverDescription;
        try {
            CudaErrors.driverDescription = code -> code == 1 ? "invalid argument" : null;
            assertEquals("CUDA_ERROR_INVALID_VALUE (1): invalid argument", CudaErrors.describeDriver(1));
            CudaErrors.driverDescription = code -> { throw new UnsatisfiedLinkError("no driver"); };
            assertEquals("CUDA_ERROR_INVALID_VALUE (1)", CudaErrors.describeDriver(1));
        } finally {
            CudaErrors.driverDescription = saved;
        }
    }

    @Test void cublasErrors() {
        CudaException e = assertThrows(CudaException.class,
                () -> CudaErrors.checkCublas("cublasGemmStridedBatchedEx", cublasStatus.CUBLAS_STATUS_INVALID_VALUE));
        assertEquals("cublasGemmStridedBatchedEx failed: CUBLAS_STATUS_INVALID_VALUE (7)", e.getMessage());
    }

    @Test void indexErrorsNameTheOpAndTheValue() {
        assertTrue(IndexErrors.message(IndexErrors.EMBEDDING, 50_300).startsWith("embedding: token id 50300 is out of range"));
        assertTrue(IndexErrors.message(IndexErrors.CROSS_ENTROPY, -7).startsWith("crossEntropy: target -7"));
    }
}
