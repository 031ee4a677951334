package rlhf4j.fuzz;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes the project's file parsers with seeded mutations of valid files ({@link Mutator}, {@link FuzzTargets}):
 * safetensors, llama2.c checkpoints and tokenizers, GPT-2 BPE vocab/merges, the feedback JSONL files and a feedback
 * directory, supervised fine-tuning JSONL, and whole GPT-2 and Llama model directories (config.json + model.safetensors). Each case must succeed
 * or throw only the parser's format exception naming the file, within 2 s and memory budgets ({@link FuzzMain}); the
 * loop runs in a child JVM with {@code -Xmx256m}, so a parser that allocates from a corrupt header fails here rather
 * than slowing down the build.
 *
 * <p>The normal test run does a short fixed-seed run (3,000 cases, a few seconds of fuzzing). A longer run:
 * <pre>
 * mvn -o -q -B -pl rlhf -am test -Dtest=FuzzTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Drlhf4j.fuzz.cases=100000 -Drlhf4j.fuzz.seed=7
 * </pre>
 * ({@code -Drlhf4j.fuzz.targets=safetensors,feedback-jsonl} runs only the targets named.)
 * It prints cases run, clean successes, clean format errors and anything else (which must be 0) per target; the
 * input of every "other" case is kept under the test's work directory, printed beside it.
 */
class FuzzTest {
    static final Pattern SUMMARY = Pattern.compile(
            "fuzz: cases (\\d+), successes (\\d+), format errors (\\d+), other (\\d+)");

    @Test void parsersSucceedOrFailCleanlyOnMutatedFiles(@TempDir Path work) throws Exception {
        int cases = Integer.getInteger("rlhf4j.fuzz.cases", 3000);
        long seed = Long.getLong("rlhf4j.fuzz.seed", 1);
        String output = runChild(cases, seed, work);
        System.out.println(output.lines().filter(l -> !l.startsWith("OTHER")).limit(20).reduce("", (a, b) -> a + b + "\n"));
        Matcher m = SUMMARY.matcher(output);
        assertTrue(m.find(), "no summary from the fuzzing JVM:\n" + output);
        long run = Long.parseLong(m.group(1)), successes = Long.parseLong(m.group(2));
        long errors = Long.parseLong(m.group(3)), other = Long.parseLong(m.group(4));
        assertEquals(cases, run);
        assertEquals(run, successes + errors + other);
        assertEquals(0, other, "cases that broke the rule:\n" + output);
        // the mutations must reach both outcomes, or the run tested little
        assertTrue(successes > cases / 20 && errors > cases / 4, output);
    }

    private static String runChild(int cases, long seed, Path work) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Drlhf4j.cpu.cacheBytes=0", "-Drlhf4j.cpu.threads=1",
                "-cp", System.getProperty("java.class.path"), FuzzMain.class.getName(),
                String.valueOf(cases), String.valueOf(seed), work.toString(), System.getProperty("rlhf4j.fuzz.targets", "")));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[][] captured = new byte[1][];
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                captured[0] = p.getInputStream().readAllBytes();
            } catch (IOException e) {
                captured[0] = ("reading the fuzzing JVM's output failed: " + e).getBytes(StandardCharsets.UTF_8);
            }
        });
        long limitSeconds = 300 + cases / 20;   // a generous bound for a slow, shared machine
        if (!p.waitFor(limitSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor();
        }
        reader.join();
        return new String(captured[0], StandardCharsets.UTF_8) + "\n(exit status " + p.exitValue() + ")";
    }
}
