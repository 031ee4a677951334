package rlhf4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Same inputs, same bits, however the JVM runs the kernels: {@link KernelDigest} in a JVM that only interprets
 * (-Xint) and in one that compiles with C2 alone (-XX:-TieredCompilation, a low compile threshold and many warm-up
 * rounds, so the digest is taken from C2 code with the Vector API intrinsified) must print the same digest, and
 * the C2 JVM's first round (interpreted) must equal its last (compiled). Both use two threads, so the split of
 * rows over chunks is the same.
 */
class ExecutionModeDeterminismTest {

    static String digest(int rounds, String... jvmFlags) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Drlhf4j.cpu.threads=2"));
        cmd.addAll(List.of(jvmFlags));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), KernelDigest.class.getName(), String.valueOf(rounds)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "KernelDigest failed:\n" + out);
        String line = out.lines().filter(l -> l.startsWith("first=")).findFirst()
                .orElseThrow(() -> new AssertionError("no digest in:\n" + out));
        return line;
    }

    @Test void interpretedAndC2CompiledKernelsGiveTheSameBits() throws Exception {
        String interpreted = digest(1, "-Xint");
        String compiled = digest(400, "-XX:-TieredCompilation", "-XX:CompileThreshold=100");
        String interpretedDigest = interpreted.split(" ")[0].substring("first=".length());
        assertTrue(compiled.endsWith("stable=true"), "C2 changed the bits during warm-up: " + compiled);
        assertEquals("last=" + interpretedDigest, compiled.split(" ")[1],
                "-Xint gave " + interpreted + ", C2 after warm-up gave " + compiled);
    }
}
