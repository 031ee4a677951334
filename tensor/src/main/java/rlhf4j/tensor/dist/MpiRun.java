package rlhf4j.tensor.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Builds {@code mpirun} command lines that start N JVMs on this machine, for tests and benchmarks: oversubscribed
 * (more ranks than cores is allowed), unbound (containers may hide cores), over loopback TCP (no shared-memory or
 * InfiniBand transport needed), and allowed to run as root (CI containers).
 */
public final class MpiRun {
    private MpiRun() {}

    /** The mpirun found on PATH, or null. */
    public static Path mpirun() {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, "mpirun");
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    /** Why N-rank runs cannot start here (no mpirun, no libmpi), or null when they can. */
    public static String unavailableReason() {
        String lib = MpiLibrary.unavailableReason();
        if (lib != null) return lib;
        return mpirun() == null ? "mpirun is not on PATH (install openmpi-bin)" : null;
    }

    /**
     * mpirun -np N (local, TCP) java FLAGS -cp CLASSPATH MAIN ARGS, with this JVM's java and class path.
     *
     * @param jvmFlags e.g. --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
     */
    public static List<String> command(int ranks, List<String> jvmFlags, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(String.valueOf(mpirun()), "-np", String.valueOf(ranks),
                "--oversubscribe", "--bind-to", "none", "--mca", "btl", "self,tcp",
                "--mca", "btl_tcp_if_include", "lo", "--mca", "oob_tcp_if_include", "lo"));
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(args);
        return cmd;
    }

    /** The environment additions mpirun needs in a root container. */
    public static Map<String, String> environment() {
        return Map.of("OMPI_ALLOW_RUN_AS_ROOT", "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1",
                "OMPI_MCA_rmaps_base_oversubscribe", "1");
    }

    /** The JVM flags the ranks of {@link #run} get: the project's, and small heaps for many JVMs on one machine. */
    public static final List<String> TEST_JVM_FLAGS = List.of("--add-modules", "jdk.incubator.vector",
            "--enable-native-access=ALL-UNNAMED", "-Xmx1g", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    /** How an mpirun child ended: its exit status (−1 when killed at the timeout) and its output, both streams. */
    public record Result(int exitCode, String output, boolean timedOut) {}

    /**
     * Runs mpirun -np ranks java MAIN ARGS as a child process with this JVM's class path; kills it and its ranks
     * after timeoutSeconds, so a hung job fails instead of hanging its caller.
     */
    public static Result run(int ranks, String mainClass, List<String> args, int timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command(ranks, TEST_JVM_FLAGS, mainClass, args));
        pb.environment().putAll(environment());
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
            return new Result(done ? p.exitValue() : -1, Files.readString(log, StandardCharsets.UTF_8), !done);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
