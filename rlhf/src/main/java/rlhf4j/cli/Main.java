package rlhf4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import rlhf4j.tensor.Backend;
import rlhf4j.tensor.Backends;
import rlhf4j.tensor.dist.Collective;
import rlhf4j.tensor.dist.Collectives;
import rlhf4j.tensor.dist.MpiException;
import rlhf4j.transformer.data.DataSets;

/** The {@code rlhf4j} command line. {@code ./rlhf4j test} and {@code ./rlhf4j bench} are handled by the launcher. */
@Command(name = "rlhf4j", mixinStandardHelpOptions = true, version = "rlhf4j 0.1.0",
        description = "RLHF on a from-scratch tensor engine.",
        subcommands = {Main.Devices.class, GenerateCommand.class, LabelCommand.class, LabelsCommand.class,
                PretrainCommand.class, SftCommand.class, SampleCommand.class, RewardCommand.class, ClassifierCommand.class,
                PpoCommand.class, GrpoCommand.class, RlooCommand.class, DpoCommand.class, EvalCommand.class, ReportCommand.class,
                DemoCommand.class, PipelineCommand.class, CompareCommand.class, ServeCommand.class},
        footer = {"", "Launcher commands: ./rlhf4j test (the test suite), ./rlhf4j bench [JMH args] (benchmarks)."})
public final class Main implements Callable<Integer> {
    /** The exit status of a user error (a bad flag value, a missing or malformed file). */
    public static final int USER_ERROR = CliErrors.USER_ERROR;

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "on an error, print its stack trace too (user errors are otherwise one line)")
    boolean verbose;

    @Option(names = "--data-dir", paramLabel = "DIR", scope = ScopeType.INHERIT,
            description = "folder holding the data sets (as shared/data does); default: RLHF4J_DATA, then shared/data "
                    + "above the working directory, then ~/.cache/rlhf4j (downloaded once)")
    Path dataDir;

    @Override public Integer call() {
        CommandLine.usage(this, System.out);
        return 0;
    }

    /**
     * Runs one command. Under mpirun (or srun) every rank runs it: MPI starts first, ranks other than 0 print nothing
     * to stdout, and a rank that fails ends the whole job (MPI_Abort) after printing its error, so no rank waits
     * forever for it.
     */
    public static void main(String[] args) {
        if (Collectives.launched()) {
            try {
                if (!Collectives.world().isRoot()) System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            } catch (MpiException e) {
                System.err.println("rlhf4j: " + e.getMessage());
                System.exit(USER_ERROR);
            }
        }
        System.exit(finish(commandLine().execute(args)));
    }

    /** Ends MPI after a command: MPI_Finalize when it succeeded, MPI_Abort of every rank when this rank failed. */
    static int finish(int status) {
        if (!Collectives.started()) return status;
        Collective world = Collectives.world();
        if (status != 0 && world.size() > 1)
            world.abort(status, "failed with exit status " + status + " (its error is above); stopping every rank");
        world.close();
        return status;
    }

    /** The command line with its error handling: user errors are one line and exit status 2 (see {@link CliErrors}). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionStrategy(Main::execute);
        cl.setExecutionExceptionHandler(CliErrors::handleExecutionException);
        cl.setParameterExceptionHandler(CliErrors::handleParseException);
        return cl;
    }

    /** The commands that split their work over the ranks of an MPI job (any other refuses to run on several). */
    static final java.util.List<String> DATA_PARALLEL = java.util.List.of("rlhf4j pretrain", "rlhf4j sft",
            "rlhf4j reward train", "rlhf4j ppo", "rlhf4j grpo", "rlhf4j rloo", "rlhf4j dpo",
            "rlhf4j devices");

    /** Applies --data-dir (given at any level) before running the subcommand. */
    private static int execute(ParseResult parseResult) {
        ParseResult leaf = parseResult;
        Path dir = null;
        for (ParseResult p = parseResult; p != null; p = p.subcommand()) {
            leaf = p;
            if (p.hasMatchedOption("--data-dir")) dir = p.matchedOptionValue("--data-dir", null);
        }
        String command = leaf.commandSpec().qualifiedName(" ");
        if (Collectives.launched() && Collectives.world().size() > 1 && !DATA_PARALLEL.contains(command))
            throw new ParameterException(leaf.commandSpec().commandLine(), command + " does not run data-parallel; run it"
                    + " without mpirun/srun (data-parallel commands: " + String.join(", ", DATA_PARALLEL) + ")");
        try {
            DataSets.useDataDir(dir);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(leaf.commandSpec().commandLine(), e.getMessage(), e, null, String.valueOf(dir));
        }
        return new CommandLine.RunLast().execute(parseResult);
    }

    /** Lists the backends found at run time and whether each can run here. */
    @Command(name = "devices", description = "List the tensor backends found and whether each can run here, and MPI.")
    static final class Devices implements Callable<Integer> {
        @Override public Integer call() {
            for (Backend b : Backends.list()) {
                System.out.printf("%-6s %s%n", b.deviceType(),
                        b.isAvailable() ? "available: " + b.describe() : "unavailable: " + b.unavailableReason());
            }
            System.out.printf("%-6s %s%n", "mpi", Collectives.describeMpi());
            return 0;
        }
    }
}
