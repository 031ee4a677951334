package rlhf4j.cuda;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Runs the CUDA kernels' own source on the CPU: native/src/main/cuda/*.cu compiled with g++ against a small
 * emulation of the CUDA features they use (src/test/cuda/cuda_emu.h: threads, barriers, shuffles, atomics) and
 * checked by src/test/cuda/kernel_tests.cpp against double-precision references, central differences and
 * CounterRng values printed by the JVM. This verifies the kernels' logic without a GPU; it says nothing about
 * the PTX toolchain, the driver or performance. Skipped when g++ is not installed.
 */
class KernelEmulationTest {
    static final Path EMU = Path.of("src/test/cuda");
    static final Path OUT = Path.of("target/kernel-emulation");

    @Test void everyKernelPassesOnTheHostEmulator() throws Exception {
        Assumptions.assumeTrue(onPath("g++"), "g++ is not installed");
        List<Path> sources = new ArrayList<>();
        try (Stream<Path> s = Files.list(PtxSourceHashTest.SOURCES)) {
            s.filter(p -> p.toString().endsWith(".cu") || p.toString().endsWith(".cuh")).sorted().forEach(sources::add);
        }
        sources.add(EMU.resolve("cuda_emu.h"));
        sources.add(EMU.resolve("kernel_tests.cpp"));
        Path binary = OUT.resolve("kernel_tests-" + hash(sources));   // rebuilt only when a source changes
        if (!Files.exists(binary)) {
            Files.createDirectories(OUT);
            List<String> cmd = new ArrayList<>(List.of("g++", "-std=c++20", "-O1", "-pthread",
                    "-include", EMU.resolve("cuda_emu.h").toString(), "-I", PtxSourceHashTest.SOURCES.toString(), "-x", "c++"));
            for (Path p : sources) if (p.toString().endsWith(".cu")) cmd.add(p.toString());
            cmd.addAll(List.of("-x", "none", EMU.resolve("kernel_tests.cpp").toString(), "-o", binary.toString()));
            Run build = run(cmd);
            assertEquals(0, build.code, "compiling the kernels for the emulator failed:\n" + build.output);
        }
        Run tests = run(List.of(binary.toAbsolutePath().toString()));
        assertEquals(0, tests.code, tests.output);
        assertTrue(tests.output.contains("PASSED"), tests.output);
    }

    record Run(int code, String output) {}

    static Run run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("timed out: " + cmd);
        }
        return new Run(p.exitValue(), out);
    }

    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":"))
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) return true;
        return false;
    }

    static String hash(List<Path> files) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (Path f : files) md.update(Files.readAllBytes(f));
        return HexFormat.of().formatHex(md.digest()).substring(0, 16);
    }
}
