package rlhf4j.tensor.dist;

import java.util.Map;

/**
 * The process's world: {@link MpiCollective} when an MPI launcher started it ({@code mpirun}/{@code mpiexec} set
 * OMPI_COMM_WORLD_SIZE, Slurm's {@code srun --mpi=pmix} sets PMIX_RANK), {@link SingleRank} otherwise.
 * Initialised once, on first use; {@link #shutdown()} finalises MPI at the end of the process.
 */
public final class Collectives {
    private static Collective world;

    private Collectives() {}

    /** The world of this process (MPI_Init on the first call under a launcher). */
    public static synchronized Collective world() {
        if (world == null) world = launched() ? MpiCollective.initWorld() : SingleRank.INSTANCE;
        return world;
    }

    /** Finalises MPI if it was started; the world cannot be used afterwards. */
    public static synchronized void shutdown() {
        if (world != null) world.close();
    }

    /** Whether an MPI launcher started this process (so {@link #world()} is MPI's). */
    public static boolean launched() { return launchedRanks(System.getenv()) > 0; }

    /** Whether {@link #world()} has been asked for yet (so a failing process knows whether to abort the job). */
    public static synchronized boolean started() { return world != null; }

    /** The world size an MPI launcher announced in the environment, or 0 when none did. */
    static int launchedRanks(Map<String, String> env) {
        for (String key : new String[]{"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE"}) {
            String v = env.get(key);
            if (v != null && !v.isBlank()) {
                try {
                    return Integer.parseInt(v.trim());
                } catch (NumberFormatException e) {
                    throw new MpiException(key + "=" + v + " is not a number of ranks");
                }
            }
        }
        return env.containsKey("PMIX_RANK") ? 1 : 0;
    }

    /**
     * One line for {@code rlhf4j devices}: whether libmpi is present (or why not), its version, and this process's
     * rank and size when launched under mpirun (MPI is then initialised).
     */
    public static String describeMpi() {
        String reason = MpiLibrary.unavailableReason();
        if (reason != null) return "absent: " + reason;
        String version = MpiLibrary.get().orElseThrow().version();
        if (launchedRanks(System.getenv()) == 0)
            return "present: " + version + " (" + MpiLibrary.SONAME + "); not launched by mpirun, so one rank";
        return "present: " + world().describe();
    }
}
