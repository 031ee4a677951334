package rlhf4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
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

    @Override public Integer call() {
        CommandLine.usage(this, System.out);
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
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
