package rlhf4j.rlhf.pipeline;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import rlhf4j.rlhf.eval.Evaluation;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Jsonl;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.report.Summary;
import rlhf4j.rlhf.stage.ClassifierStage;
import rlhf4j.rlhf.stage.DpoStage;
import rlhf4j.rlhf.stage.EvalStage;
import rlhf4j.rlhf.stage.GrpoStage;
import rlhf4j.rlhf.stage.LabelStage;
import rlhf4j.rlhf.stage.OutputMode;
import rlhf4j.rlhf.stage.Outputs;
import rlhf4j.rlhf.stage.PairsStage;
import rlhf4j.rlhf.stage.PolicyPretrainStage;
import rlhf4j.rlhf.stage.PpoStage;
import rlhf4j.rlhf.stage.ReportStage;
import rlhf4j.rlhf.stage.RewardModelStage;
import rlhf4j.rlhf.stage.SampleStage;
import rlhf4j.rlhf.stage.StageContext;
import rlhf4j.rlhf.stage.StageFiles;
import rlhf4j.tensor.Backends;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.run.AtomicFiles;

/**
 * The whole RLHF loop as a sequence of resumable stages ({@code rlhf4j.rlhf.stage}), each writing into its own place
 * in the run directory:
 *
 * <pre>
 *   policy/    (only for a scratch policy) the pretrained starting policy
 *   samples/   prompts.jsonl, completions.jsonl (K per training prompt), eval_prompts.jsonl (held out)
 *   labels/    judgements.jsonl, agreement.txt, agreement.json
 *   labeling.db, labeling-judgements.jsonl   (labelers "human" only) the labeling campaign and its export
 *   pairs/     groups.jsonl (consensus ranking → all (winner, loser) pairs per prompt)
 *   rm/        the reward model (or classifier) and metrics.json (held-out accuracy)
 *   ppo/       PPO metrics, samples, checkpoint, training report, and the trained policy in ppo/policy (grpo/ or
 *              rloo/ instead when the config's algorithm is grpo or rloo: the same files; dpo/ for DPO, trained on
 *              pairs/groups.jsonl, with its own metrics)
 *   judge/     (only with the eval judge "davidson") a classifier of other tweets and annotators, for eval only
 *   eval/      result.json: reference vs trained policy on the held-out prompts
 *   report.html, summary.json
 * </pre>
 *
 * The stages do the work ({@link PipelineStages} maps the config to their settings); this class only keeps the
 * books. A stage is finished when {@code stages/NAME.done} exists; it is written (atomically) after everything else,
 * so a rerun skips finished stages and redoes an interrupted one from scratch. {@code stages.log} records what ran
 * and what was skipped.
 */
public final class Pipeline {
    public static final String STAGES_DIR = "stages", STAGES_LOG = "stages.log", CONFIG_FILE = "config.json";
    static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

    private final PipelineConfig cfg;
    private final Path run;
    private final PrintStream err;
    private final Device device;
    private final PipelineStages stages;

    /** What a stage does; it may assume every earlier stage is finished. */
    @FunctionalInterface
    private interface StageBody { void run() throws IOException; }

    /** A stage of this run: its name (and directory), what it does in words, and the stage call. */
    private record Step(String name, String description, StageBody body) {}

    /** A stage and whether it ran now or had finished before. */
    public record StageResult(String name, boolean skipped, double seconds) {}

    private final List<StageResult> results = new ArrayList<>();

    /**
     * @param configJson the configuration's text, copied into the run directory
     * @param err        progress bars and messages (null = silent)
     */
    public Pipeline(PipelineConfig cfg, String configJson, Path runDir, PrintStream err) throws IOException {
        this.cfg = cfg;
        this.run = runDir;
        this.err = err == null ? new PrintStream(PrintStream.nullOutputStream()) : err;
        this.device = Device.parse(cfg.device());
        this.stages = new PipelineStages(cfg, runDir);
        Backends.forDevice(device);
        Files.createDirectories(run.resolve(STAGES_DIR));
        Path copy = run.resolve(CONFIG_FILE);
        if (!Files.exists(copy)) Files.writeString(copy, configJson, StandardCharsets.UTF_8);
    }

    /** The stages of this configuration, in order. */
    private List<Step> steps() {
        List<Step> s = new ArrayList<>();
        PipelineConfig.Labelers l = cfg.labelers();
        if (cfg.policy().scratch() != null)
            s.add(new Step("policy", "pretraining a small GPT-2 policy on " + cfg.policy().scratch().corpus(), this::pretrainPolicy));
        if (stages.pairwise()) {
            s.add(new Step("samples", cfg.sampling().k() + " completions for each of " + cfg.prompts().train() + " prompts", this::sample));
            s.add(new Step("labels", l.human() != null ? "people on the labeling server (" + l.human().labelersPerItem() + " per item)"
                    : l.judgements() != null ? "judgements from " + l.judgements() : l.temperatures().size()
                    + " simulated labelers (" + l.oracle() + ", Bradley-Terry temperatures " + l.temperatures() + ")", this::label));
            s.add(new Step("pairs", l.consensus() + " consensus -> preference groups", this::pairs));
        }
        s.add(new Step("rm", stages.pairwise() ? "pairwise reward model from the policy's trunk" : "classifier on "
                + cfg.rewardModel().classifier().data() + ", reward = logit of '" + cfg.rewardModel().classifier().rewardClass() + "'", this::trainRewardModel));
        if (cfg.eval().davidsonJudge())
            s.add(new Step("judge", "held-out judge: n-gram classifier on Davidson et al. (other tweets and annotators), eval only", this::trainJudge));
        PipelineConfig.Training t = cfg.training();
        s.add(new Step(t.algorithm(), t.description(), () -> train(t, dir(t.algorithm()))));
        s.add(new Step("eval", "reference vs trained policy on " + cfg.prompts().eval() + " held-out prompts",
                () -> evaluate(t, dir(t.algorithm()), dir("eval"))));
        s.add(new Step("report", "report.html and summary.json", this::report));
        return s;
    }

    /** The stages this configuration runs, in order. */
    public List<String> stageNames() { return steps().stream().map(Step::name).toList(); }

    /**
     * Runs every unfinished stage before the policy's training (policy, samples, labels, pairs, rm, judge): what every
     * algorithm shares in a comparison ({@link #trainAndEvaluate}).
     */
    public void prepare() throws IOException {
        for (Step s : steps()) {
            if (s.name().equals(cfg.training().algorithm())) return;
            stage(s);
        }
    }

    /**
     * Trains a policy with the given algorithm and settings on this run's reward and training prompts, into
     * {@code dir/train}, then evaluates it on the held-out prompts into {@code dir/eval} (replacing both). Needs
     * {@link #prepare} to have finished.
     */
    public Evaluation.Result trainAndEvaluate(PipelineConfig.Training training, Path dir) throws IOException {
        train(training, dir.resolve("train"));
        evaluate(training, dir.resolve("train"), dir.resolve("eval"));
        return EvalStage.read(dir.resolve("eval"));
    }

    /** Runs every unfinished stage; returns the summary. */
    public Summary run() throws IOException {
        for (Step s : steps()) stage(s);
        return Summary.read(run);
    }

    /** Which stages ran and which were skipped in this call. */
    public List<StageResult> results() { return List.copyOf(results); }

    // ============================================================================================ stage bookkeeping

    /** The marker of a finished stage. */
    public static Path marker(Path runDir, String stage) { return runDir.resolve(STAGES_DIR).resolve(stage + ".done"); }

    private void stage(Step step) throws IOException {
        String name = step.name();
        Path marker = marker(run, name);
        if (Files.exists(marker)) {
            err.printf("[%s] finished earlier (%s); skipped%n", name, marker);
            log(name + " skipped");
            results.add(new StageResult(name, true, 0));
            return;
        }
        if (!name.equals("report") && Files.exists(dir(name))) Outputs.prepare(dir(name), OutputMode.REPLACE, err);   // an interrupted run's leftovers
        err.printf("[%s] %s%n", name, step.description());
        log(name + " started");
        long t0 = System.nanoTime();
        step.body().run();
        double secs = (System.nanoTime() - t0) / 1e9;
        JsonObject m = new JsonObject();
        m.addProperty("stage", name);
        m.addProperty("seconds", secs);
        m.addProperty("finished", Instant.now().toString());
        AtomicFiles.writeString(marker, GSON.toJson(m) + "\n");
        log(String.format(Locale.ROOT, "%s finished in %.1f s", name, secs));
        err.printf(Locale.ROOT, "[%s] done in %.1f s%n", name, secs);
        results.add(new StageResult(name, false, secs));
    }

    private void log(String line) throws IOException {
        Files.writeString(run.resolve(STAGES_LOG), Instant.now() + " " + line + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Seconds a finished stage took (from its marker), 0 when unknown. */
    private double stageSeconds(String name) throws IOException {
        Path m = marker(run, name);
        if (!Files.exists(m)) return 0;
        JsonObject o = GSON.fromJson(Files.readString(m, StandardCharsets.UTF_8), JsonObject.class);
        return o.has("seconds") ? o.get("seconds").getAsDouble() : 0;
    }

    /** The stages' context: this run's messages and device; an unfinished stage's leftovers are replaced. */
    private StageContext context() { return new StageContext(err, device, OutputMode.REPLACE); }

    private Path dir(String stage) { return run.resolve(stage); }

    // ============================================================================================ the stages

    private void pretrainPolicy() throws IOException {
        new PolicyPretrainStage(stages.policyPretraining(), context())
                .run(PolicyPretrainStage.corpus(cfg.policy().scratch().corpus()), dir("policy"));
    }

    private void sample() throws IOException {
        List<Prompt> train = stages.prompts(false), heldOut = stages.prompts(true);
        new SampleStage(stages.sampling(), context()).run(new SampleStage.Input(stages.policy().load(device),
                stages.policy().checkpoint().toString(), train, heldOut), dir("samples"));
    }

    /** Simulated labelers or a judgements file; with people, the judgements of the labeling campaign once it is complete. */
    private void label() throws IOException {
        FeedbackData samples = FeedbackData.readFrom(dir("samples"));
        LabelStage.Config config = stages.labels();
        if (cfg.labelers().human() != null)
            config = config.withJudgementsFile(new HumanLabels(cfg, run, err, java.time.Clock.systemUTC()).collect(samples));
        new LabelStage(config, context()).run(samples.prompts(), samples.completions(), dir("labels"));
    }

    private void pairs() throws IOException {
        FeedbackData samples = FeedbackData.readFrom(dir("samples"));
        List<Judgement> judgements = Jsonl.read(dir("labels").resolve(LabelStage.JUDGEMENTS), FeedbackJson.JUDGEMENT);
        new PairsStage(stages.pairs(), context()).run(new FeedbackData(samples.prompts(), samples.completions(), judgements), dir("pairs"));
    }

    private void trainRewardModel() throws IOException {
        if (stages.pairwise())
            new RewardModelStage(stages.rewardModel(), context()).run(RewardModelStage.readGroups(dir("pairs").resolve(PairsStage.GROUPS)), dir("rm"));
        else new ClassifierStage(stages.classifier(), context()).run(dir("rm"));
    }

    /** ppo, grpo or rloo: the policy trained against the rm stage's reward on the training prompts; dpo: on the pairs stage's groups. */
    private void train(PipelineConfig.Training t, Path out) throws IOException {
        List<String> prompts = texts(stages.prompts(false));
        if (t.algorithm().equals("dpo"))
            new DpoStage(t.dpo(), context()).run(new DpoStage.Inputs(stages.policy(), RewardModelStage.readGroups(dir("pairs").resolve(PairsStage.GROUPS)),
                    false), out);
        else if (t.criticFree() != null) new GrpoStage(t.criticFree(), context()).run(new GrpoStage.Inputs(stages.policy(), stages.reward(), prompts, false), out);
        else new PpoStage(t.ppo(), context()).run(new PpoStage.Inputs(stages.policy(), stages.reward(), prompts, null, false), out);
    }

    private void trainJudge() throws IOException {
        new ClassifierStage(stages.judge(), context()).run(dir("judge"));
    }

    private void evaluate(PipelineConfig.Training t, Path trained, Path out) throws IOException {
        new EvalStage(stages.eval(t), context()).run(new EvalStage.Inputs(stages.policy(), trained, stages.reward(), texts(stages.prompts(true))), out);
    }

    private void report() throws IOException {
        double wall = 0;
        for (String s : stageNames()) if (!s.equals("report")) wall += stageSeconds(s);
        Map<String, Object> shown = new LinkedHashMap<>();
        StageFiles.flatten("", GSON.fromJson(Files.readString(run.resolve(CONFIG_FILE), StandardCharsets.UTF_8), JsonObject.class), shown);
        boolean rollouts = !cfg.training().algorithm().equals("dpo");          // DPO's steps are not PPO-style iterations
        new ReportStage(stages.report(), context()).run(new ReportStage.Inputs(rollouts ? dir(cfg.training().algorithm()) : null, dir("eval"), dir("rm"),
                stages.pairwise() ? dir("labels") : null, shown, wall), run);
    }

    private static List<String> texts(List<Prompt> prompts) { return prompts.stream().map(Prompt::text).toList(); }

    // ============================================================================================ results

    /** The evaluation written by the eval stage. */
    public Evaluation.Result evaluation() throws IOException { return EvalStage.read(dir("eval")); }

    /** The demo's pipeline config for a task ("sentiment" or "detox"), as JSON text (a resource of this module). */
    public static String demoConfigText(String task) throws IOException {
        String resource = "/rlhf4j/pipeline/demo-" + task + ".json";
        try (var in = Pipeline.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalArgumentException("no demo config for task '" + task + "' (" + resource + ")");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The directory of a run. */
    public Path runDirectory() { return run; }
}
