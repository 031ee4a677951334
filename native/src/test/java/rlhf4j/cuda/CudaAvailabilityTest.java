package rlhf4j.cuda;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import rlhf4j.tensor.Backend;
import rlhf4j.tensor.Backends;
import rlhf4j.tensor.Device;

/** Runs everywhere: the backend is found, never throws while loading, and explains why it cannot run. */
class CudaAvailabilityTest {

    @Test void foundByServiceLoaderWithAReasonWhenUnavailable() {
        Backend cuda = null;
        for (Backend b : Backends.list()) if (b.deviceType().equals("cuda")) cuda = b;
        assertNotNull(cuda, "META-INF/services must register rlhf4j.cuda.CudaBackend");
        assertInstanceOf(CudaBackend.class, cuda);
        if (cuda.isAvailable()) {
            assertNull(cuda.unavailableReason());
            assertTrue(cuda.describe().startsWith("cuda:0 ("), cuda.describe());
            assertEquals(Device.cuda(0), Backends.defaultDevice(true), "a usable GPU is the default accelerator");
        } else {
            String reason = cuda.unavailableReason();
            assertNotNull(reason);
            assertFalse(reason.isBlank());
            assertTrue(cuda.describe().contains(reason));
            assertEquals(Device.CPU, Backends.defaultDevice(true), "no GPU: the default device falls back to cpu");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.forDevice(Device.cuda(0)));
            assertTrue(e.getMessage().contains(reason), e.getMessage());
        }
    }

    @Test void reasonNamesTheMissingDriverOnAMachineWithoutOne() {
        boolean driverInstalled = java.nio.file.Files.exists(java.nio.file.Path.of("/usr/lib/x86_64-linux-gnu/libcuda.so.1"))
                || java.nio.file.Files.exists(java.nio.file.Path.of("/usr/lib64/libcuda.so.1"));
        org.junit.jupiter.api.Assumptions.assumeFalse(driverInstalled || Boolean.getBoolean("rlhf4j.cuda.emulated"),
                "an NVIDIA driver (or its CPU stand-in) is installed here");
        String reason = new CudaBackend().unavailableReason();
        assertNotNull(reason);
        assertTrue(reason.contains("libcuda.so.1"), reason);
    }

    @Test void disabledByProperty() {
        String old = System.getProperty("rlhf4j.cuda.disable");
        System.setProperty("rlhf4j.cuda.disable", "true");
        try {
            CudaBackend b = new CudaBackend();
            assertFalse(b.isAvailable());
            assertTrue(b.unavailableReason().contains("rlhf4j.cuda.disable"), b.unavailableReason());
            assertThrows(IllegalStateException.class, () -> b.allocate(Device.cuda(0), 16));
        } finally {
            if (old == null) System.clearProperty("rlhf4j.cuda.disable"); else System.setProperty("rlhf4j.cuda.disable", old);
        }
    }
}
