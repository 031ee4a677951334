package rlhf4j.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import rlhf4j.rlhf.pipeline.LabelsPendingException;
import rlhf4j.rlhf.pipeline.Pipeline;
import rlhf4j.rlhf.pipeline.PipelineConfig;
import rlhf4j.rlhf.report.Summary;

/** {@code rlhf4j pipeline --config F}: every RLHF stage from one JSON file; a rerun into the same --out skips finished stages. */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = {"Run the whole RLHF pipeline from a JSON config (docs/pipeline.md): sample, label, pairs, reward model, PPO, eval, report.",
                "Rerunning with the same --out skips the stages that finished.",
                "With \"labelers\": \"human\" the run stops at the labels stage (exit status 3) until people have labeled the "
                        + "campaign; continue with --resume --out RUN."})
public final class PipelineCommand implements Callable<Integer> {
    /** The exit status of a run that stopped to wait for people's labels. */
    static final int WAITING_FOR_LABELS = 3;

    @Option(names = "--config", description = "pipeline config JSON (with --resume: default the run's config.json)")
    Path config;

    @Option(names = "--out", description = "run directory (default: runs/<config name>-<timestamp>)")
    Path out;

    @Option(names = "--resume", description = "continue the run in --out (which must exist), e.g. once people have labeled its campaign")
    boolean resume;

    @Override public Integer call() throws Exception {
        if (resume && out == null) throw new IllegalArgumentException("--resume needs --out, the run directory to continue");
        if (resume && !Files.isDirectory(out)) throw new java.nio.file.NoSuchFileException(out.toString(), null, "no such run directory (--out)");
        if (config == null && !resume) throw new IllegalArgumentException("give --config (or --resume --out RUN)");
        Path configFile = config != null ? config : out.resolve(Pipeline.CONFIG_FILE);
        PipelineConfig cfg = PipelineConfig.load(configFile);
        Path dir = out != null ? out : defaultRunDir(config.getFileName().toString().replaceFirst("\\.json$", ""));
        long t0 = System.nanoTime();
        Summary s;
        try (rlhf4j.transformer.run.RunLock lock = rlhf4j.transformer.run.RunLock.runDirectory(dir)) {   // one run per directory
            s = new Pipeline(cfg, Files.readString(configFile, StandardCharsets.UTF_8), dir, System.err).run();
        } catch (LabelsPendingException waiting) {
            System.err.println(waiting.getMessage());
            return WAITING_FOR_LABELS;
        }
        System.err.printf("pipeline finished in %.1f s; report: %s%n", (System.nanoTime() - t0) / 1e9, dir.resolve("report.html"));
        System.out.println(s.toJson());
        return 0;
    }

    static Path defaultRunDir(String name) {
        return Path.of("runs", name + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }
}
