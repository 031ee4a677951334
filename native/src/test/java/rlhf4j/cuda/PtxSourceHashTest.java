package rlhf4j.cuda;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed PTX must be built from the committed CUDA sources: each .ptx records the SHA-256 of its .cu and of
 * the headers it includes, and this test recomputes them (no nvcc or GPU needed). Also checks that every kernel
 * the backend launches exists in its module, which would otherwise only fail on a GPU.
 */
class PtxSourceHashTest {
    static final Path SOURCES = Path.of(System.getProperty("rlhf4j.cuda.sourceDir", "src/main/cuda"));
    static final Path BACKEND = Path.of("src/main/java/rlhf4j/cuda/CudaBackend.java");

    static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    static Set<String> cuModules() throws IOException {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> s = Files.list(SOURCES)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cu")).forEach(n -> names.add(n.substring(0, n.length() - 3)));
        }
        return names;
    }

    @Test void everyPtxRecordsTheHashesOfItsCurrentSources() throws Exception {
        Set<String> modules = cuModules();
        assertFalse(modules.isEmpty(), "no .cu files under " + SOURCES.toAbsolutePath());
        assertEquals(modules, new TreeSet<>(Set.of(PtxResources.MODULES)), "PtxResources.MODULES lists every .cu file");
        for (String m : modules) {
            Path cu = SOURCES.resolve(m + ".cu");
            Map<String, String> recorded = PtxResources.recordedHashes(PtxResources.read(m));
            assertEquals(sha256(cu), recorded.get(m + ".cu"),
                    m + ".ptx is stale: rebuild it with native/src/main/cuda/build-ptx.sh (needs nvcc)");
            Matcher inc = Pattern.compile("(?m)^#include \"([^\"]+)\"").matcher(Files.readString(cu));
            while (inc.find())
                assertEquals(sha256(SOURCES.resolve(inc.group(1))), recorded.get(inc.group(1)),
                        m + ".ptx was built from another " + inc.group(1) + ": rebuild it with build-ptx.sh");
        }
    }

    @Test void recordedHashesAreParsedFromTheHeaderOnly() {
        byte[] ptx = ("// Generated\n// source a.cu sha256 00ff\n// source common.cuh sha256 11ee\n//\n\n.version 9.0\n"
                + "// source late.cu sha256 99\n").getBytes(StandardCharsets.UTF_8);
        assertEquals(Map.of("a.cu", "00ff", "common.cuh", "11ee"), PtxResources.recordedHashes(ptx));
    }

    @Test void everyLaunchedKernelIsAnEntryOfItsModule() throws Exception {
        String src = Files.readString(BACKEND);
        Matcher m = KernelSignatureTest.LAUNCH.matcher(src);
        int found = 0;
        while (m.find()) {
            found++;
            String ptx = new String(PtxResources.read(m.group(1)), StandardCharsets.UTF_8);
            assertTrue(Pattern.compile("\\.entry " + m.group(2) + "\\(").matcher(ptx).find(),
                    "kernel " + m.group(2) + " is not an entry of " + m.group(1) + ".ptx");
        }
        assertEquals(27, found, "every launch site of the backend");
    }

    @Test void ptxTargetsComputeCapability75ForJitOnNewerGpus() {
        for (String m : PtxResources.MODULES) {
            String ptx = new String(PtxResources.read(m), StandardCharsets.UTF_8);
            assertTrue(ptx.contains("\n.target sm_75"), m + ".ptx must target sm_75 (JIT-compiled on Hopper)");
            assertTrue(ptx.contains("\n.address_size 64"), m);
        }
    }
}
