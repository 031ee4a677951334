package rlhf4j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import rlhf4j.tensor.Backend;
import rlhf4j.tensor.Backends;

/** The {@code rlhf4j} command line. {@code ./rlhf4j test} and {@code ./rlhf4j bench} are handled by the launcher. */
@Command(name = "rlhf4j", mixinStandardHelpOptions = true, version = "rlhf4j 0.1.0",
        description = "RLHF on a from-scratch tensor engine.",
        subcommands = {Main.Devices.class, GenerateCommand.class, LabelCommand.class, LabelsCommand.class,
                PretrainCommand.class, SftCommand.class, SampleCommand.class, RewardCommand.class, ClassifierCommand.class,
                PpoCommand.class, EvalCommand.class, ReportCommand.class, DemoCommand.class, PipelineCommand.class},
        footer = {"", "Launcher commands: ./rlhf4j test (the test suite), ./rlhf4j bench [JMH args] (benchmarks)."})
public final class Main implements Callable<Integer> {
    /** The exit code of a user error (a bad flag value, a missing or malformed file). */
    public static final int USER_ERROR = 2;

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "print the stack trace of an error")
    boolean verbose;

    @Override public Integer call() {
        CommandLine.usage(this, System.out);
        return 0;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line with its error rule: a user error (IllegalArgumentException, a file problem) is one line
     * naming the command and what is wrong; anything else, or any error with --verbose, prints its stack trace.
     */
    public static CommandLine commandLine() {
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (main.verbose || !isUserError(e)) {
                e.printStackTrace(cmd.getErr());
                return isUserError(e) ? USER_ERROR : 1;
            }
            cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + message(e));
            return USER_ERROR;
        });
        return cl;
    }

    static boolean isUserError(Throwable e) {
        return e instanceof IllegalArgumentException || e instanceof IOException || e instanceof UncheckedIOException;
    }

    private static String message(Throwable e) {
        Throwable t = e instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : e;
        if (t instanceof FileSystemException f && f.getReason() != null) return f.getFile() + ": " + f.getReason();
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }

    /** Lists the backends found at run time and whether each can run here. */
    @Command(name = "devices", description = "List the tensor backends found and whether each can run here.")
    static final class Devices implements Callable<Integer> {
        @Override public Integer call() {
            for (Backend b : Backends.list()) {
                System.out.printf("%-6s %s%n", b.deviceType(),
                        b.isAvailable() ? "available: " + b.describe() : "unavailable: " + b.unavailableReason());
            }
            return 0;
        }
    }
}
