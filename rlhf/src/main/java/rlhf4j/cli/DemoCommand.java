package rlhf4j.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import rlhf4j.rlhf.eval.Evaluation;
import rlhf4j.rlhf.pipeline.Pipeline;
import rlhf4j.rlhf.pipeline.PipelineConfig;
import rlhf4j.rlhf.report.Summary;

/**
 * {@code rlhf4j demo}: the end-to-end RLHF loop on the CPU in a few minutes, as a pipeline config run through
 * {@link Pipeline} (the configs are rlhf4j/pipeline/demo-*.json among the resources).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"End-to-end RLHF in a few minutes on the CPU, on a few MB of public data (shared/data, --data-dir, or downloaded once to ~/.cache/rlhf4j).",
                "sentiment (default): stories260K learns happier TinyStories from simulated VADER labelers; AFINN is the held-out gold score.",
                "detox: a small tweet writer, a TweetEval hate classifier as reward, toxicity before/after."})
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--task", defaultValue = "sentiment", description = "sentiment or detox (default: ${DEFAULT-VALUE})")
    String task;

    @Option(names = "--algorithm", description = "ppo, grpo, rloo or dpo (sentiment only): what trains the policy (default: the config's, ppo)")
    String algorithm;

    @Option(names = "--out", description = "run directory (default: runs/demo-<timestamp>)")
    Path out;

    @Option(names = "--seed", description = "seed of every random choice (default: the config's)")
    Long seed;

    @Option(names = "--quick", description = "a much smaller run (about a minute), for trying things out")
    boolean quick;

    @Option(names = "--show-samples", description = "detox: print and report the generated tweets (they can be offensive)")
    boolean showSamples;

    @Option(names = "--print-config", description = "print the pipeline config this demo runs and exit")
    boolean printConfig;

    /** The demo's pipeline config (with --seed, --quick and --show-samples applied) as JSON. */
    JsonObject config() throws IOException {
        if (!task.equals("sentiment") && !task.equals("detox"))
            throw new IllegalArgumentException("--task " + task + ": expected sentiment or detox");
        String resource = "/rlhf4j/pipeline/demo-" + task + ".json";
        JsonObject c;
        try (InputStream in = DemoCommand.class.getResourceAsStream(resource)) {
            if (in == null) throw new IOException("missing resource " + resource);
            c = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        }
        if (seed != null) c.addProperty("seed", seed);
        if (algorithm != null) {
            if (!PipelineConfig.ALGORITHMS.contains(algorithm))
                throw new IllegalArgumentException("--algorithm " + algorithm + ": expected one of " + String.join(", ", PipelineConfig.ALGORITHMS));
            c.addProperty("algorithm", algorithm);
        }
        if (task.equals("detox")) c.getAsJsonObject("eval").addProperty("show_samples", showSamples);
        if (quick) {
            c.addProperty("name", c.get("name").getAsString() + " (quick)");
            JsonObject p = c.getAsJsonObject("prompts"), ppo = c.getAsJsonObject("ppo"), rm = c.getAsJsonObject("reward_model"),
                    ev = c.getAsJsonObject("eval");
            p.addProperty("train", 128);
            p.addProperty("eval", 64);
            rm.addProperty("epochs", Math.min(2, rm.get("epochs").getAsInt()));
            ppo.addProperty("iterations", 20);
            ppo.addProperty("batch_size", 16);
            ppo.addProperty("max_new_tokens", 32);
            for (String criticFree : new String[]{"grpo", "rloo"})
                if (c.has(criticFree)) {                                   // the same 16 rollouts of 32 tokens
                    JsonObject g = c.getAsJsonObject(criticFree);
                    g.addProperty("iterations", 20);
                    g.addProperty("prompts_per_iteration", 16 / g.get("group_size").getAsInt());
                    g.addProperty("max_new_tokens", 32);
                    if (16 % g.get("minibatches").getAsInt() != 0) g.addProperty("minibatches", 2);
                }
            ev.addProperty("max_new_tokens", 32);
            if (c.has("sampling")) c.getAsJsonObject("sampling").addProperty("max_new_tokens", 32);
            JsonObject policy = c.getAsJsonObject("policy");
            if (policy.has("scratch")) policy.getAsJsonObject("scratch").addProperty("steps", 300);
        }
        return c;
    }

    @Override public Integer call() throws Exception {
        JsonObject json = config();
        String text = new GsonBuilder().setPrettyPrinting().create().toJson(json) + "\n";
        if (printConfig) {
            System.out.print(text);
            return 0;
        }
        PipelineConfig cfg = PipelineConfig.parse(json, "demo-" + task + ".json", Path.of("").toAbsolutePath());
        Path dir = out != null ? out : PipelineCommand.defaultRunDir("demo");
        PrintStream err = System.err;
        long t0 = System.nanoTime();
        Pipeline pipeline = new Pipeline(cfg, text, dir, err);
        Summary s = pipeline.run();
        double wall = (System.nanoTime() - t0) / 1e9;
        printOutcome(pipeline.evaluation(), s, cfg, System.out);
        System.out.printf(Locale.ROOT, "%nwall time %.1f s; report: %s; summary: %s%n", wall, dir.resolve("report.html"),
                dir.resolve("summary.json"));
        return 0;
    }

    static void printOutcome(Evaluation.Result r, Summary s, PipelineConfig cfg, PrintStream out) {
        out.println();
        out.println("================ before RLHF -> after RLHF (held-out prompts) ================");
        String proxy = switch (cfg.rewardModel().type()) {
            case "pairwise" -> "reward model";
            case "ngram" -> "n-gram not-hate logit";
            default -> "classifier not-hate logit";
        };
        out.printf(Locale.ROOT, "  proxy reward (%s)  %8.3f -> %8.3f%n", proxy, r.reference().reward().mean(), r.trained().reward().mean());
        if (r.trained().gold() != null)
            out.printf(Locale.ROOT, "  gold score (%s, held out)  %8.3f -> %8.3f%n", cfg.eval().gold(),
                    r.reference().gold().mean(), r.trained().gold().mean());
        if (r.trained().toxicity() != null)
            out.printf(Locale.ROOT, "  toxicity P(hate)         %.3f ± %.3f -> %.3f ± %.3f%n", r.reference().toxicity().mean(),
                    r.reference().toxicity().std(), r.trained().toxicity().mean(), r.trained().toxicity().std());
        if (r.judges() != null)
            r.judges().forEach((name, j) -> out.printf(Locale.ROOT, "  held-out judge %s  %.3f ± %.3f -> %.3f ± %.3f%n",
                    judgeName(name, cfg), j.reference().mean(), j.reference().std(), j.trained().mean(), j.trained().std()));
        out.printf(Locale.ROOT, "  KL(trained || reference) %8.3f nats per completion%n", r.trained().klToReference().mean());
        out.printf(Locale.ROOT, "  win rate by %s         %8.3f%n", r.winRateBy(), r.winRate());
        Summary.Feedback f = s.feedback();
        if (f.rmValAccuracy() != null) out.printf(Locale.ROOT, "  reward model held-out accuracy %.3f%n", f.rmValAccuracy());
        if (f.agreementPairwise() != null)
            out.printf(Locale.ROOT, "  labeler agreement %.1f%%, Fleiss' kappa %.3f%n", 100 * f.agreementPairwise(), f.fleissKappa());
        if (!cfg.eval().showSamples()) {
            out.println("  (samples not printed: they may be offensive; pass --show-samples to see them)");
            return;
        }
        List<Evaluation.SampleRow> rows = r.samples();
        for (int i = 0; i < Math.min(cfg.eval().samplesShown(), rows.size()); i++) {
            Evaluation.SampleRow row = rows.get(i);
            out.println();
            out.println("  prompt: " + row.prompt().strip());
            out.printf(Locale.ROOT, "  before [%s]: %s%n", score(row.referenceReward(), row.referenceGold()), oneLine(row.reference()));
            out.printf(Locale.ROOT, "  after  [%s]: %s%n", score(row.trainedReward(), row.trainedGold()), oneLine(row.trained()));
        }
    }

    /** A Davidson judge by what it measures (P(CLASS) of the run's judge/ classifier), any other judge by its spec. */
    private static String judgeName(String spec, PipelineConfig cfg) {
        int colon = spec.lastIndexOf(':');
        boolean davidson = cfg.eval().davidsonJudge() && spec.startsWith("classifier:") && colon > 0
                && spec.substring("classifier:".length(), colon).endsWith("judge");
        return davidson ? "P(" + spec.substring(colon + 1) + "), Davidson classifier" : spec;
    }

    private static String score(double reward, Double gold) {
        return gold == null ? String.format(Locale.ROOT, "reward %.2f", reward)
                : String.format(Locale.ROOT, "reward %.2f, gold %.2f", reward, gold);
    }

    private static String oneLine(String s) { return s.replaceAll("\\s+", " ").strip(); }
}
