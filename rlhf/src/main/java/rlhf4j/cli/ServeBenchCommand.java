package rlhf4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import rlhf4j.rlhf.serve.LoadBenchmark;

/** {@code rlhf4j serve bench}: the labeling server under load, and killed mid-run, as a separate process. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Load and fault benchmark: simulated labelers over HTTP against 'serve' started as its own process;",
                "throughput, latency, and lost or duplicated judgements read back from the database (--kill: SIGKILL the server "
                        + "once mid-run and restart it)."})
final class ServeBenchCommand implements Callable<Integer> {
    @Option(names = "--labelers", defaultValue = "50", description = "concurrent labelers (default: ${DEFAULT-VALUE})")
    int labelers;

    @Option(names = "--submissions", defaultValue = "1000", description = "submissions per labeler (default: ${DEFAULT-VALUE})")
    int submissions;

    @Option(names = "--labelers-per-item", defaultValue = "5", description = "N of the campaign (default: ${DEFAULT-VALUE})")
    int labelersPerItem;

    @Option(names = "-k", defaultValue = "4", description = "completions per item (default: ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--kill", description = "kill the server with SIGKILL at a random moment and start it again")
    boolean kill;

    @Option(names = "--sync", defaultValue = "full", description = "the server's --sync: full or process (default: ${DEFAULT-VALUE})")
    String sync;

    @Option(names = "--seed", defaultValue = "1", description = "rankings and the moment of the kill (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--dir", description = "where the database and server.log go (default: a new temporary directory)")
    Path dir;

    @Spec CommandSpec spec;

    @Override public Integer call() throws Exception {
        String mode = sync.strip().toLowerCase(Locale.ROOT);
        if (!mode.equals("full") && !mode.equals("process")) throw new IllegalArgumentException("--sync " + sync + ": expected full or process");
        var config = new LoadBenchmark.Config(labelers, submissions, labelersPerItem, k, kill, seed);
        Path work = dir != null ? dir : Files.createTempDirectory("rlhf4j-serve-bench");
        var result = new LoadBenchmark(config, work, LoadBenchmark.ServerLauncher.thisClassPath("--sync", mode), System.err).run();
        spec.commandLine().getOut().printf("server --sync %s, database %s%n", mode, work.resolve("bench.db"));
        spec.commandLine().getOut().print(LoadBenchmark.format(result));
        spec.commandLine().getOut().flush();
        return result.integrity().lost() == 0 && result.integrity().duplicated() == 0 ? 0 : 1;
    }
}
