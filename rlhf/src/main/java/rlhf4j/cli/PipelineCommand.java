package rlhf4j.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import rlhf4j.rlhf.pipeline.Pipeline;
import rlhf4j.rlhf.pipeline.PipelineConfig;
import rlhf4j.rlhf.report.Summary;

/** {@code rlhf4j pipeline --config F}: every RLHF stage from one JSON file; a rerun into the same --out skips finished stages. */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = {"Run the whole RLHF pipeline from a JSON config (docs/pipeline.md): sample, label, pairs, reward model, PPO, eval, report.",
                "Rerunning with the same --out skips the stages that finished."})
public final class PipelineCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "pipeline config JSON")
    Path config;

    @Option(names = "--out", description = "run directory (default: runs/<config name>-<timestamp>)")
    Path out;

    @Override public Integer call() throws Exception {
        PipelineConfig cfg = PipelineConfig.load(config);
        Path dir = out != null ? out : defaultRunDir(config.getFileName().toString().replaceFirst("\\.json$", ""));
        long t0 = System.nanoTime();
        Summary s;
        try (rlhf4j.transformer.run.RunLock lock = rlhf4j.transformer.run.RunLock.runDirectory(dir)) {   // one run per directory
            s = new Pipeline(cfg, Files.readString(config, StandardCharsets.UTF_8), dir, System.err).run();
        }
        System.err.printf("pipeline finished in %.1f s; report: %s%n", (System.nanoTime() - t0) / 1e9, dir.resolve("report.html"));
        System.out.println(s.toJson());
        return 0;
    }

    static Path defaultRunDir(String name) {
        return Path.of("runs", name + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }
}
