package rlhf4j.tensor.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs an mpirun command line as a real child process with a timeout; for the multi-rank tests. */
public record MpiProcess(int exitCode, String output, boolean timedOut) {
    public static final List<String> JVM_FLAGS = List.of("--add-modules", "jdk.incubator.vector",
            "--enable-native-access=ALL-UNNAMED", "-Xmx1g", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    /** Starts mpirun -np ranks java MAIN ARGS; kills it (and its ranks) after timeoutSeconds. */
    public static MpiProcess run(int ranks, String mainClass, List<String> args, int timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(MpiRun.command(ranks, JVM_FLAGS, mainClass, args));
        pb.environment().putAll(MpiRun.environment());
        pb.redirectErrorStream(true);
        Path log = Files.createTempFile("mpirun", ".log");
        try {
            pb.redirectOutput(log.toFile());
            Process p = pb.start();
            boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            if (!done) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor();
            }
            return new MpiProcess(done ? p.exitValue() : -1, Files.readString(log, StandardCharsets.UTF_8), !done);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
