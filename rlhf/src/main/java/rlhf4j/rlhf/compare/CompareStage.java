package rlhf4j.rlhf.compare;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import rlhf4j.rlhf.dpo.DpoStats;
import rlhf4j.rlhf.eval.Evaluation;
import rlhf4j.rlhf.pipeline.Pipeline;
import rlhf4j.rlhf.pipeline.PipelineConfig;
import rlhf4j.rlhf.ppo.IterationStats;
import rlhf4j.rlhf.ppo.PpoConfig;
import rlhf4j.rlhf.ppo.RunLog;
import rlhf4j.rlhf.stage.EvalStage;
import rlhf4j.rlhf.stage.OutputMode;
import rlhf4j.rlhf.stage.Outputs;
import rlhf4j.transformer.run.AtomicFiles;

/**
 * Trains the same task with each algorithm at each of its β values, from one reward model and one set of prompts,
 * and evaluates every trained policy on the same held-out prompts with the pipeline's judges (a gold oracle the
 * policy never trained against, and / or a toxicity classifier). Writes into OUT:
 * <pre>
 *   shared/            the pipeline's stages before training (samples, labels, pairs, rm), run once
 *   runs/ALG-beta-B/   train/ (the run) and eval/ (result.json), point.json (the figures of this setting), settings.json
 *   compare.json       every point; report.html with frontier.png, proxy-vs-gold.png, diversity.png, speed.png
 * </pre>
 * With {@code resume}, a setting whose evaluation exists and whose training settings (settings.json) are those of the
 * config is not trained again (its figures are read again from its files, so that a changed gold judge applies); one
 * whose settings changed is.
 */
public final class CompareStage {
    public static final String REPORT = "report.html", RESULTS = "compare.json", POINT = "point.json", SETTINGS = "settings.json";

    private final CompareConfig cfg;
    private final PrintStream err;

    /** @param err progress and messages (null = silent) */
    public CompareStage(CompareConfig cfg, PrintStream err) {
        this.cfg = cfg;
        this.err = err == null ? new PrintStream(PrintStream.nullOutputStream()) : err;
    }

    /** The figures of one trained policy (or of the reference, at β = ∞ and KL 0). */
    public record Figures(double kl, double proxy, double gold, double distinct1, double distinct2, double entropy) {}

    /**
     * Training cost: iterations (DPO: steps), seconds of the training iterations, completion tokens generated per
     * second over them (DPO, which generates none: prompt + completion tokens forwarded per second).
     */
    public record Cost(int iterations, double seconds, double tokensPerSecond) {}

    /** One algorithm at one β: its figures, its cost and its held-out completions (the first samples_shown). */
    public record Point(String algorithm, double beta, Figures figures, Cost cost, List<String> samples) {}

    /** The starting policy's figures, the held-out prompts shown, and its completions of them. */
    public record Reference(Figures figures, List<String> prompts, List<String> samples) {}

    /** Every point, the reference, and the report's path. */
    public record Result(Reference reference, List<Point> points, Path report) {}

    public Result run(Path out, boolean resume) throws IOException {
        if (!resume) Outputs.prepare(out, OutputMode.REFUSE, err);
        Files.createDirectories(out);
        PipelineConfig base = cfg.pipeline().parse();
        Gold gold = Gold.of(base, cfg.goldJudge());
        Pipeline pipeline = new Pipeline(base, cfg.pipeline().json().toString(), out.resolve("shared"), err);
        pipeline.prepare();
        Reference reference = null;
        List<Point> points = new ArrayList<>();
        int done = 0;
        for (CompareConfig.Sweep sweep : cfg.sweeps())
            for (double beta : sweep.betas()) {
                Path dir = out.resolve("runs").resolve(String.format(Locale.ROOT, "%s-beta-%s", sweep.algorithm(), beta));
                PipelineConfig.Training training = training(base.training(), sweep.algorithm(), beta);
                String settings = CompareReport.GSON.toJson(Map.of(training.algorithm(), training.chosen()));
                boolean finished = resume && Files.isRegularFile(dir.resolve("eval").resolve(EvalStage.RESULT_FILE))
                        && Files.isRegularFile(dir.resolve(SETTINGS)) && Files.readString(dir.resolve(SETTINGS)).equals(settings);
                err.printf(Locale.ROOT, "[compare %d/%d] %s at beta %s%s%n", ++done, cfg.runs(), sweep.algorithm(), beta, finished ? ": finished earlier" : "");
                if (!finished) {
                    pipeline.trainAndEvaluate(training, dir);
                    AtomicFiles.writeString(dir.resolve(SETTINGS), settings);
                }
                Evaluation.Result r = EvalStage.read(dir.resolve("eval"));         // the figures always come from the run's files
                boolean dpo = sweep.algorithm().equals("dpo");
                List<IterationStats> history = dpo ? List.of() : new RunLog(dir.resolve("train")).metrics();
                Point p = new Point(sweep.algorithm(), beta, figures(gold, r, false, history), dpo ? dpoCost(dir.resolve("train")) : cost(history),
                        trainedSamples(r));
                AtomicFiles.writeString(dir.resolve(POINT), CompareReport.GSON.toJson(p));
                points.add(p);
                if (reference == null) reference = new Reference(figures(gold, r, true, history), firstPrompts(r), referenceSamples(r));
            }
        Result result = new Result(reference, List.copyOf(points), out.resolve(REPORT));
        var saved = new java.util.LinkedHashMap<String, Object>();
        saved.put("gold", gold.name());
        saved.put("reference", reference);
        saved.put("points", points);
        AtomicFiles.writeString(out.resolve(RESULTS), CompareReport.GSON.toJson(saved));
        new CompareReport(cfg, gold.name(), base.eval().showSamples()).write(result, out);
        err.printf("report: %s%n", out.resolve(REPORT));
        return result;
    }

    /** The base config's training with this algorithm chosen and its KL coefficient set to β. */
    static PipelineConfig.Training training(PipelineConfig.Training t, String algorithm, double beta) {
        PipelineConfig.Training chosen = t.withAlgorithm(algorithm);
        return switch (algorithm) {
            case "ppo" -> {
                PpoConfig.KlControl k = t.ppo().kl();
                yield chosen.withPpo(t.ppo().withKl(new PpoConfig.KlControl(beta, k.adaptive(), k.target(), k.horizon(), k.approxKlLimit())));
            }
            case "grpo" -> chosen.withGrpo(t.grpo().withBeta(beta));
            case "rloo" -> chosen.withRloo(t.rloo().withBeta(beta));
            case "dpo" -> chosen.withDpo(t.dpo().withBeta(beta));
            default -> throw new IllegalArgumentException("no KL coefficient known for algorithm " + algorithm);
        };
    }

    /**
     * What the gold axis shows, by preference: the gold oracle; else the first held-out judge of the eval (1 − P for a
     * judge of P(hate), as the detox demo's Davidson classifier); else 1 − the toxicity of the reward's own classifier,
     * which is not held out (named so in the report).
     *
     * @param name  the axis label
     * @param judge the held-out judge's name in the config, or null
     * @param flip  1 − the judge's or the toxicity's mean
     * @param index the judge's place among the eval's judges (their order in result.json), −1 for none
     */
    record Gold(String name, String judge, boolean flip, int index) {
        static Gold of(PipelineConfig c) { return of(c, null); }

        /** @param judge a held-out judge of the eval to use (null: the gold oracle, else the first judge) */
        static Gold of(PipelineConfig c, String judge) {
            PipelineConfig.Eval e = c.eval();
            if (judge != null && !e.judges().contains(judge))
                throw new IllegalArgumentException("gold_judge " + judge + " is not one of the eval's judges " + e.judges());
            if (judge == null && e.gold() != null && !e.gold().equals("none")) return new Gold("gold score (" + e.gold() + ")", null, false, -1);
            if (!e.judges().isEmpty()) {
                String j = judge != null ? judge : e.judges().getFirst();
                boolean hate = PipelineConfig.Eval.isDavidson(j) ? PipelineConfig.Eval.davidsonClass(j).equals("hate") : j.endsWith(":hate");
                return new Gold(hate ? "1 - P(hate) by the held-out judge " + j : "held-out judge " + j, j, hate, e.judges().indexOf(j));
            }
            return new Gold(e.toxicity() ? "1 - toxicity (the reward's own classifier: not held out)" : "gold score (none)", null, e.toxicity(), -1);
        }

        /** The side's gold figure. */
        double of(Evaluation.Result r, boolean reference) {
            Evaluation.Side side = reference ? r.reference() : r.trained();
            if (judge == null && !flip) return side.gold() != null ? side.gold().mean() : Double.NaN;
            if (judge == null) return side.toxicity() != null ? 1 - side.toxicity().mean() : Double.NaN;
            if (r.judges() == null || r.judges().isEmpty()) return Double.NaN;
            Evaluation.Judged j = new ArrayList<>(r.judges().values()).get(index);            // result.json keeps the config's order
            double m = (reference ? j.reference() : j.trained()).mean();
            return flip ? 1 - m : m;
        }
    }

    /**
     * One side's figures: KL to the reference (0 for the reference itself), proxy reward, gold ({@link Gold}),
     * distinct-1 and distinct-2 of its held-out completions, and its per-token entropy on its own samples (the first
     * training iteration's for the reference, the last one's for the trained policy).
     */
    static Figures figures(Gold gold, Evaluation.Result r, boolean isReference, List<IterationStats> history) {
        Evaluation.Side side = isReference ? r.reference() : r.trained();
        List<String> texts = isReference ? r.samples().stream().map(Evaluation.SampleRow::reference).toList()
                : r.samples().stream().map(Evaluation.SampleRow::trained).toList();
        double entropy = history.isEmpty() ? Double.NaN : (isReference ? history.getFirst() : history.getLast()).completions().entropy();
        return new Figures(isReference ? 0 : side.klToReference().mean(), side.reward().mean(), gold.of(r, isReference),
                Diversity.distinct(texts, 1), Diversity.distinct(texts, 2), entropy);
    }

    static Cost cost(List<IterationStats> history) {
        double seconds = 0, tokens = 0;
        for (IterationStats s : history) {
            seconds += s.time().total();
            tokens += s.time().tokensPerSecond() * s.time().total();
        }
        return new Cost(history.size(), seconds, seconds == 0 ? Double.NaN : tokens / seconds);
    }

    /** DPO's cost: its steps, their seconds, and the prompt + completion tokens it forwarded per second (it generates none). */
    static Cost dpoCost(Path runDir) throws IOException {
        double seconds = 0, tokens = 0;
        int steps = 0;
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
            if (line.isBlank()) continue;
            DpoStats s = DpoStats.fromJson(com.google.gson.JsonParser.parseString(line).getAsJsonObject());
            seconds += s.seconds();
            tokens += s.tokens();
            steps++;
        }
        return new Cost(steps, seconds, seconds == 0 || tokens == 0 ? Double.NaN : tokens / seconds);
    }

    private List<String> firstPrompts(Evaluation.Result r) {
        return r.samples().stream().limit(cfg.samplesShown()).map(Evaluation.SampleRow::prompt).toList();
    }

    private List<String> trainedSamples(Evaluation.Result r) {
        return r.samples().stream().limit(cfg.samplesShown()).map(Evaluation.SampleRow::trained).toList();
    }

    private List<String> referenceSamples(Evaluation.Result r) {
        return r.samples().stream().limit(cfg.samplesShown()).map(Evaluation.SampleRow::reference).toList();
    }
}
