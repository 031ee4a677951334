package rlhf4j.tensor.dist;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
}
