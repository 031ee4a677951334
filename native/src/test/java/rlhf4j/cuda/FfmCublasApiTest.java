package rlhf4j.cuda;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import rlhf4j.tensor.Tensor;

/**
 * The FFM cuBLAS binding, end to end, against src/test/cuda/fake_cublas.c: a CPU library with cuBLAS's C
 * signatures standing in for libcublas.so.13. Checks that the downcalls pass every argument where cuBLAS expects
 * it (a wrong order or type gives wrong numbers or an INVALID_VALUE status) and that the TF32 switch reaches the
 * compute type. Skipped when gcc is not installed.
 */
class FfmCublasApiTest {

    static Path buildFake() throws Exception {
        Path out = Path.of("target/fake-cublas");
        Path lib = out.resolve("libcublas.so.13");
        Path src = Path.of("src/test/cuda/fake_cublas.c");
        if (!Files.exists(lib) || Files.getLastModifiedTime(lib).compareTo(Files.getLastModifiedTime(src)) < 0) {
            Files.createDirectories(out);
            var r = KernelEmulationTest.run(List.of("gcc", "-O1", "-shared", "-fPIC", "-o", lib.toString(), src.toString()));
            assertEquals(0, r.code(), r.output());
        }
        return lib.toAbsolutePath();
    }

    @Test void gemmThroughTheFfmBindingMatchesTheDefinition() throws Throwable {
        Assumptions.assumeTrue(KernelEmulationTest.onPath("gcc"), "gcc is not installed");
        Path lib = buildFake();
        String saved = System.getProperty("rlhf4j.cublas.library");
        System.setProperty("rlhf4j.cublas.library", lib.toString());
        try (FfmCublasApi blas = new FfmCublasApi(new CudaStream())) {
            assertTrue(blas.name().contains(lib.toString()), blas.name());
            Tensor a = CudaGemmTest.rnd(1, 5, 7).mT(), b = CudaGemmTest.rnd(2, 5, 6);     // (7, 5) transposed @ (5, 6)
            Tensor out = Tensor.full(Float.NaN, 7, 6);
            CudaGemm.run(blas, a, b, out, false, CudaGemmTest::hostAddress);
            assertArrayEquals(CudaGemmTest.naiveMatmul(a, b), out.toFloatArray(), 1e-5f);

            Tensor ba = CudaGemmTest.rnd(3, 3, 4, 5), bb = CudaGemmTest.rnd(4, 3, 6, 5).mT(), acc = CudaGemmTest.rnd(5, 3, 4, 6);
            float[] want = CudaGemmTest.naiveMatmul(ba, bb), before = acc.toFloatArray();
            CudaGemm.run(blas, ba, bb, acc, true, CudaGemmTest::hostAddress);           // one strided-batched call
            float[] got = acc.toFloatArray();
            for (int i = 0; i < want.length; i++) assertEquals(want[i] + before[i], got[i], 1e-5f, "batched, element " + i);

            SymbolLookup fake = SymbolLookup.libraryLookup(lib, Arena.global());
            var computeType = Linker.nativeLinker().downcallHandle(fake.find("fake_last_compute_type").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT));
            assertEquals(68, (int) computeType.invokeExact(), "CUBLAS_COMPUTE_32F by default");
            blas.setTf32(true);
            CudaGemm.run(blas, ba, bb, acc, false, CudaGemmTest::hostAddress);
            assertEquals(77, (int) computeType.invokeExact(), "CUBLAS_COMPUTE_32F_FAST_TF32 when TF32 is on");
            assertArrayEquals(want, acc.toFloatArray(), 1e-5f);
        } finally {
            if (saved == null) System.clearProperty("rlhf4j.cublas.library"); else System.setProperty("rlhf4j.cublas.library", saved);
        }
    }

    @Test void aFailedCallNamesTheFunctionAndStatus() throws Exception {
        Assumptions.assumeTrue(KernelEmulationTest.onPath("gcc"), "gcc is not installed");
        System.setProperty("rlhf4j.cublas.library", buildFake().toString());
        try (FfmCublasApi blas = new FfmCublasApi(new CudaStream())) {
            CudaException e = assertThrows(CudaException.class,
                    () -> blas.sgemm(CublasApi.OP_N, CublasApi.OP_N, 4, 4, 4, 1f, 8, 1, 8, 4, 0f, 8, 4));  // lda < m
            assertEquals("cublasSgemm_v2 failed: CUBLAS_STATUS_INVALID_VALUE (7)", e.getMessage());
        } finally {
            System.clearProperty("rlhf4j.cublas.library");
        }
    }
}
