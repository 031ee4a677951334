package rlhf4j.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import rlhf4j.rlhf.compare.CompareConfig;
import rlhf4j.rlhf.compare.CompareStage;

/** {@code rlhf4j compare}: the algorithms of a compare config ({@link CompareStage}), one HTML report. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Train the demo task with each algorithm at a few KL coefficients from the same reward model and data, and write one "
                + "HTML report: gold score vs KL (the over-optimisation frontier), proxy vs gold, diversity vs KL, throughput, samples.",
                "Built-in configs: --task sentiment (a few minutes on 2 cores) or detox; --print-config shows one to copy and edit."})
public final class CompareCommand implements Callable<Integer> {
    @Option(names = "--config", description = "compare config JSON (default: the built-in one of --task)")
    Path config;

    @Option(names = "--task", defaultValue = "sentiment", description = "built-in config when no --config: sentiment or detox (default: ${DEFAULT-VALUE})")
    String task;

    @Option(names = "--out", description = "output directory (default: runs/compare-<timestamp>)")
    Path out;

    @Option(names = "--resume", description = "keep the settings --out has finished and run the rest")
    boolean resume;

    @Option(names = "--print-config", description = "print the built-in config of --task and exit")
    boolean printConfig;

    @Override public Integer call() throws Exception {
        if (printConfig) {
            System.out.print(builtIn(task));
            return 0;
        }
        CompareConfig cfg = config != null ? CompareConfig.load(config)
                : CompareConfig.parse(com.google.gson.JsonParser.parseString(builtIn(task)).getAsJsonObject(), "compare-" + task + ".json",
                        Path.of("").toAbsolutePath());
        Path dir = out != null ? out : PipelineCommand.defaultRunDir("compare");
        long t0 = System.nanoTime();
        CompareStage.Result r;
        try (var lock = rlhf4j.transformer.run.RunLock.runDirectory(dir)) {
            r = new CompareStage(cfg, System.err).run(dir, resume);
        }
        System.err.printf(Locale.ROOT, "compare finished in %.1f s: %d settings; report: %s%n", (System.nanoTime() - t0) / 1e9,
                r.points().size(), r.report());
        return 0;
    }

    /** The built-in compare config of a task (a resource beside the demo's pipeline configs). */
    static String builtIn(String task) throws IOException {
        if (!task.equals("sentiment") && !task.equals("detox")) throw new IllegalArgumentException("--task " + task + ": expected sentiment or detox");
        try (var in = CompareCommand.class.getResourceAsStream("/rlhf4j/pipeline/compare-" + task + ".json")) {
            if (in == null) throw new IOException("missing resource compare-" + task + ".json");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
