package rlhf4j.rlhf.pipeline;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import rlhf4j.rlhf.consensus.AgreementReport;
import rlhf4j.rlhf.consensus.ConsensusMethod;
import rlhf4j.rlhf.consensus.PreferenceGroup;
import rlhf4j.rlhf.consensus.PreferenceGroups;
import rlhf4j.rlhf.data.DavidsonHate;
import rlhf4j.rlhf.data.LabeledText;
import rlhf4j.rlhf.data.TinyStories;
import rlhf4j.rlhf.data.TweetEvalHate;
import rlhf4j.rlhf.eval.Evaluation;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Jsonl;
import rlhf4j.rlhf.feedback.JsonlWriter;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.feedback.SamplingSettings;
import rlhf4j.rlhf.label.LabelItem;
import rlhf4j.rlhf.label.Labeler;
import rlhf4j.rlhf.label.SimulatedLabeler;
import rlhf4j.rlhf.label.SimulatedLabeling;
import rlhf4j.rlhf.oracle.Afinn;
import rlhf4j.rlhf.oracle.TextScorer;
import rlhf4j.rlhf.oracle.Vader;
import rlhf4j.rlhf.ppo.PpoConfig;
import rlhf4j.rlhf.ppo.PpoModels;
import rlhf4j.rlhf.ppo.PpoTrainer;
import rlhf4j.rlhf.report.Reports;
import rlhf4j.rlhf.report.RunReport;
import rlhf4j.rlhf.report.Summary;
import rlhf4j.rlhf.reward.Classifier;
import rlhf4j.rlhf.reward.ClassifierTrainer;
import rlhf4j.rlhf.reward.NgramClassifier;
import rlhf4j.rlhf.reward.RewardFunction;
import rlhf4j.rlhf.reward.RewardModel;
import rlhf4j.rlhf.reward.RewardTrainer;
import rlhf4j.rlhf.reward.TrunkFiles;
import rlhf4j.rlhf.reward.TrunkPretraining;
import rlhf4j.tensor.Backends;
import rlhf4j.tensor.CounterRng;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.TransformerModel;
import rlhf4j.transformer.generate.Generation;
import rlhf4j.transformer.generate.Generator;
import rlhf4j.transformer.generate.SamplingConfig;
import rlhf4j.transformer.gpt2.Gpt2;
import rlhf4j.transformer.tokenizer.BpeTokenizer;
import rlhf4j.transformer.tokenizer.LlamaTokenizer;
import rlhf4j.transformer.tokenizer.Tokenizer;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.stage.ClassifierStage;
import rlhf4j.rlhf.stage.EvalStage;
import rlhf4j.rlhf.stage.OutputMode;
import rlhf4j.rlhf.stage.PpoStage;
import rlhf4j.rlhf.stage.ReportStage;
import rlhf4j.rlhf.stage.RewardModelStage;
import rlhf4j.rlhf.stage.StageContext;
import rlhf4j.rlhf.stage.StageFiles;

/**
 * The whole RLHF loop as a sequence of resumable stages, each writing into its own place in the run directory:
 *
 * <pre>
 *   policy/    (only for a scratch policy) the pretrained starting policy
 *   samples/   prompts.jsonl, completions.jsonl (K per training prompt), eval_prompts.jsonl (held out)
 *   labels/    judgements.jsonl, agreement.txt, agreement.json
 *   pairs/     groups.jsonl (consensus ranking → all (winner, loser) pairs per prompt)
 *   rm/        the reward model (or classifier) and metrics.json (held-out accuracy)
 *   ppo/       PPO metrics, samples, checkpoint, and the trained policy in ppo/policy
 *   eval/      result.json: reference vs trained policy on the held-out prompts
 *   report.html, summary.json
 * </pre>
 *
 * A stage is finished when {@code stages/NAME.done} exists; it is written (atomically) after everything else, so a
 * rerun skips finished stages and redoes an interrupted one from scratch. {@code stages.log} records what ran and what
 * was skipped.
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

    /** The stages this configuration runs, in order. */
    public List<String> stageNames() {
        List<String> names = new ArrayList<>();
        if (cfg.policy().scratch() != null) names.add("policy");
        if (pairwise()) names.addAll(List.of("samples", "labels", "pairs"));
        names.addAll(List.of("rm", "ppo", "eval", "report"));
        return names;
    }

    /** Runs every unfinished stage; returns the summary. */
    public Summary run() throws IOException {
        for (String name : stageNames()) {
            switch (name) {
                case "policy" -> stage(name, this::pretrainPolicy);
                case "samples" -> stage(name, this::sample);
                case "labels" -> stage(name, this::label);
                case "pairs" -> stage(name, this::pairs);
                case "rm" -> stage(name, this::trainRewardModel);
                case "ppo" -> stage(name, this::ppo);
                case "eval" -> stage(name, this::evaluate);
                case "report" -> stage(name, this::report);
                default -> throw new IllegalStateException(name);
            }
        }
        return Summary.read(run);
    }

    /** Which stages ran and which were skipped in this call. */
    public List<StageResult> results() { return List.copyOf(results); }

    private boolean pairwise() { return cfg.rewardModel().type().equals("pairwise"); }

    // ============================================================================================ stage bookkeeping

    /** The marker of a finished stage. */
    public static Path marker(Path runDir, String stage) { return runDir.resolve(STAGES_DIR).resolve(stage + ".done"); }

    private void stage(String name, StageBody body) throws IOException {
        Path marker = marker(run, name);
        if (Files.exists(marker)) {
            err.printf("[%s] finished earlier (%s); skipped%n", name, marker);
            log(name + " skipped");
            results.add(new StageResult(name, true, 0));
            return;
        }
        Path dir = run.resolve(name);
        if (Files.isDirectory(dir) && !name.equals("report")) deleteTree(dir);        // leftovers of an interrupted run
        err.printf("[%s] %s%n", name, describe(name));
        log(name + " started");
        long t0 = System.nanoTime();
        body.run();
        double secs = (System.nanoTime() - t0) / 1e9;
        JsonObject m = new JsonObject();
        m.addProperty("stage", name);
        m.addProperty("seconds", secs);
        m.addProperty("finished", Instant.now().toString());
        Path tmp = marker.resolveSibling(name + ".done.tmp");
        Files.writeString(tmp, GSON.toJson(m) + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, marker, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        log(String.format(Locale.ROOT, "%s finished in %.1f s", name, secs));
        err.printf(Locale.ROOT, "[%s] done in %.1f s%n", name, secs);
        results.add(new StageResult(name, false, secs));
    }

    private String describe(String stage) {
        return switch (stage) {
            case "policy" -> "pretraining a small GPT-2 policy on " + cfg.policy().scratch().corpus();
            case "samples" -> cfg.sampling().k() + " completions for each of " + cfg.prompts().train() + " prompts";
            case "labels" -> cfg.labelers().judgements() != null ? "judgements from " + cfg.labelers().judgements()
                    : cfg.labelers().temperatures().size() + " simulated labelers (" + cfg.labelers().oracle()
                    + ", Bradley-Terry temperatures " + cfg.labelers().temperatures() + ")";
            case "pairs" -> cfg.labelers().consensus() + " consensus -> preference groups";
            case "rm" -> pairwise() ? "pairwise reward model from the policy's trunk"
                    : "classifier on " + cfg.rewardModel().classifierData() + ", reward = logit of '" + cfg.rewardModel().rewardClass() + "'";
            case "ppo" -> cfg.ppo().iterations() + " PPO iterations of " + cfg.ppo().batchSize() + " rollouts";
            case "eval" -> "reference vs trained policy on " + cfg.prompts().eval() + " held-out prompts";
            case "report" -> "report.html and summary.json";
            default -> "";
        };
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

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    // ============================================================================================ models and data

    /** The starting policy's checkpoint: the configured one, or the one the policy stage made. */
    private Path basePath() { return cfg.policy().scratch() != null ? run.resolve("policy") : cfg.policy().checkpoint(); }

    private TransformerModel loadBase() throws IOException { return TrunkFiles.loadTrunk(basePath(), device); }

    private Tokenizer tokenizer(TransformerModel model) throws IOException {
        return TrunkFiles.loadTokenizer(basePath(), cfg.policy().scratch() != null ? null : cfg.policy().tokenizer(), model.vocabSize());
    }

    /** −1 (never stop) when the config says so; else llama2.c models end a story with BOS, Hugging Face Llamas with EOS, GPT-2 with end-of-text. */
    private int stopToken(Tokenizer tok) {
        if (!cfg.policy().stopAtEos()) return -1;
        if (tok instanceof LlamaTokenizer) return Files.isDirectory(basePath()) ? LlamaTokenizer.EOS : LlamaTokenizer.BOS;
        return tok.eosId();
    }

    /** A prompt's ids, cut to its first (context − maxNew) tokens so that prompt + completion fit the model. */
    private static int[] encodePrompt(Tokenizer tok, String text, int stop, TransformerModel model, int maxNew, String field) {
        int room = model.contextLength() - maxNew;
        if (room < 1) throw new ConfigException(field + ": " + maxNew + " new tokens leave no room for a prompt in the model's context of "
                + model.contextLength());
        int[] ids = tok.encode(text);
        if (ids.length == 0) ids = new int[]{Math.max(stop, 0)};                // an empty prompt starts after end-of-text
        return ids.length <= room ? ids : Arrays.copyOf(ids, room);
    }

    /** Every prompt text of the configured source, in order. */
    private List<String> allPrompts() throws IOException {
        PipelineConfig.Prompts p = cfg.prompts();
        return switch (p.source()) {
            case "tinystories" -> TinyStories.firstWordsPrompts(TinyStories.load(), p.words());
            case "davidson" -> DavidsonHate.load().stream().map(r -> TinyStories.firstWords(cleanTweet(r.tweet()), p.words()))
                    .filter(s -> !s.isBlank()).toList();
            default -> {
                Path f = Path.of(p.source());
                if (!Files.isRegularFile(f)) throw new ConfigException("prompts.source: no such file " + f
                        + " (or use \"tinystories\" / \"davidson\")");
                yield Files.readAllLines(f, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
            }
        };
    }

    /** Training prompts, then held-out ones; distinct slices of the source. */
    private List<String> prompts(boolean heldOut) throws IOException {
        List<String> all = allPrompts();
        int train = cfg.prompts().train(), eval = cfg.prompts().eval();
        if (all.size() < train + eval)
            throw new ConfigException("prompts: the source " + cfg.prompts().source() + " has " + all.size()
                    + " prompts, fewer than train + eval = " + (train + eval));
        return heldOut ? all.subList(train, train + eval) : all.subList(0, train);
    }

    /** A tweet without retweet markers, user handles and links (what a small policy should learn to write). */
    static String cleanTweet(String t) {
        return t.replaceAll("&amp;", "&").replaceAll("&#\\d+;", " ").replaceAll("https?://\\S+", "")
                .replaceAll("@\\w+:?", "").replaceAll("\\bRT\\b", "").replaceAll("\\s+", " ").strip();
    }

    /** "vader", "afinn", or the class name of a {@link TextScorer} with a no-argument constructor. */
    static TextScorer oracle(String name, String field) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "vader": return Vader.load();
            case "afinn": return Afinn.load();
            default:
                try {
                    return (TextScorer) Class.forName(name).getDeclaredConstructor().newInstance();
                } catch (ReflectiveOperationException | ClassCastException e) {
                    throw new ConfigException(field + ": unknown oracle '" + name
                            + "' (expected vader, afinn or the class name of a TextScorer with a no-argument constructor)", e);
                }
        }
    }

    // ============================================================================================ the stages

    /** policy/: a GPT-2 with a BPE trained on the corpus, next-token pretrained (the detox demo's tweet writer). */
    private void pretrainPolicy() throws IOException {
        PipelineConfig.Scratch s = cfg.policy().scratch();
        List<String> corpus = switch (s.corpus()) {
            case "davidson" -> DavidsonHate.load().stream().map(r -> cleanTweet(r.tweet())).filter(t -> !t.isBlank()).toList();
            default -> Files.readAllLines(Path.of(s.corpus()), StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
        };
        BpeTokenizer tok = TrunkPretraining.tokenizer(corpus, s.bpeVocab());
        ProgressBar bar = ProgressBar.on(err, "pretrain", s.steps());
        Gpt2 model = TrunkPretraining.pretrain(corpus, tok, new TrunkPretraining.Config(s.layers(), s.heads(), s.width(),
                s.context(), s.steps(), s.batchSize(), s.lr(), cfg.seed()), device,
                (step, steps, loss) -> bar.update(step, String.format(Locale.ROOT, "loss %.3f", loss)));
        TrunkFiles.save(model, tok, run.resolve("policy"));
    }

    /** samples/: K completions per training prompt (completion k of prompt p seeded by (seed, p·K + k)). */
    private void sample() throws IOException {
        Path dir = Files.createDirectories(run.resolve("samples"));
        TransformerModel model = loadBase();
        Tokenizer tok = tokenizer(model);
        int stop = stopToken(tok), k = cfg.sampling().k();
        List<Prompt> prompts = toPrompts(prompts(false), "p");
        JsonlWriter.appendAll(dir.resolve("eval_" + FeedbackData.PROMPTS_FILE), FeedbackJson.PROMPT, toPrompts(prompts(true), "e"));
        int rows = prompts.size() * k;
        int[][] ids = new int[rows][];
        long[] seeds = new long[rows];
        for (int p = 0; p < prompts.size(); p++) {
            int[] enc = encodePrompt(tok, prompts.get(p).text(), stop, model, cfg.sampling().maxNewTokens(), "sampling.max_new_tokens");
            for (int j = 0; j < k; j++) {
                ids[p * k + j] = enc;
                seeds[p * k + j] = CounterRng.bits(cfg.seed(), (long) p * k + j);
            }
        }
        SamplingConfig sampling = new SamplingConfig(cfg.sampling().temperature(), 0, 1, cfg.sampling().maxNewTokens(), stop);
        List<Completion> completions = new ArrayList<>();
        Generator generator = new Generator(model);
        ProgressBar bar = ProgressBar.on(err, "sample", rows);
        int chunk = cfg.sampling().batchSize();
        for (int from = 0; from < rows; from += chunk) {
            int to = Math.min(rows, from + chunk);
            Generation g = generator.generate(Arrays.copyOfRange(ids, from, to), sampling, Arrays.copyOfRange(seeds, from, to), null);
            for (int r = from; r < to; r++) {
                int p = r / k, j = r % k;
                int[] gen = g.tokens()[r - from];
                completions.add(new Completion(prompts.get(p).id() + "-s" + j, prompts.get(p).id(),
                        completionText(tok, ids[r], gen, stop), gen,
                        new SamplingSettings(basePath().toString(), cfg.sampling().temperature(), 1.0, null, seeds[r])));
            }
            bar.update(to, "");
        }
        JsonlWriter.appendAll(dir.resolve(FeedbackData.PROMPTS_FILE), FeedbackJson.PROMPT, prompts);
        JsonlWriter.appendAll(dir.resolve(FeedbackData.COMPLETIONS_FILE), FeedbackJson.COMPLETION, completions);
    }

    private static List<Prompt> toPrompts(List<String> texts, String idPrefix) {
        List<Prompt> out = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) out.add(new Prompt(idPrefix + (i + 1), texts.get(i), Map.of()));
        return out;
    }

    /**
     * What a completion adds to its prompt: decode(prompt + completion) minus decode(prompt) (keeps sentencepiece's
     * leading space right); the stop token is left out.
     */
    static String completionText(Tokenizer tok, int[] prompt, int[] completion, int stop) {
        int n = completion.length > 0 && completion[completion.length - 1] == stop ? completion.length - 1 : completion.length;
        int[] all = new int[prompt.length + n];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        System.arraycopy(completion, 0, all, prompt.length, n);
        String full = tok.decode(all), head = tok.decode(prompt);
        return full.startsWith(head) ? full.substring(head.length()) : tok.decode(Arrays.copyOf(completion, n));
    }

    /** labels/: the judgements (a human file, or simulated labelers) and their agreement. */
    private void label() throws IOException {
        Path dir = Files.createDirectories(run.resolve("labels"));
        Path samples = run.resolve("samples");
        List<Prompt> prompts = Jsonl.read(samples.resolve(FeedbackData.PROMPTS_FILE), FeedbackJson.PROMPT);
        List<Completion> completions = Jsonl.read(samples.resolve(FeedbackData.COMPLETIONS_FILE), FeedbackJson.COMPLETION);
        PipelineConfig.Labelers l = cfg.labelers();
        List<Judgement> judgements;
        if (l.judgements() != null) {
            if (!Files.isRegularFile(l.judgements()))
                throw new ConfigException("labelers.judgements: no such file " + l.judgements());
            judgements = Jsonl.read(l.judgements(), FeedbackJson.JUDGEMENT);
        } else {
            TextScorer oracle = oracle(l.oracle(), "labelers.oracle");
            List<Labeler> labelers = new ArrayList<>();
            for (int i = 0; i < l.temperatures().size(); i++) {
                double t = l.temperatures().get(i);
                labelers.add(new SimulatedLabeler("sim-" + oracle.name() + "-T" + t, l.criterion(), oracle, t, cfg.seed() + 100 + i));
            }
            List<LabelItem> items = LabelItem.of(prompts, completions);
            judgements = new ArrayList<>();
            ProgressBar bar = ProgressBar.on(err, "label", items.size());
            for (int i = 0; i < items.size(); i++) {
                judgements.addAll(SimulatedLabeling.label(List.of(items.get(i)), labelers));
                bar.update(i + 1, "");
            }
        }
        JsonlWriter.appendAll(dir.resolve(FeedbackData.JUDGEMENTS_FILE), FeedbackJson.JUDGEMENT, judgements);
        List<AgreementReport> reports = AgreementReport.of(judgements, ConsensusMethod.valueOf(l.consensus().toUpperCase(Locale.ROOT)), 0.6);
        StringBuilder text = new StringBuilder();
        for (AgreementReport r : reports) text.append(r.format());
        Files.writeString(dir.resolve("agreement.txt"), text.toString(), StandardCharsets.UTF_8);
        err.print(text);
        if (!reports.isEmpty()) {
            AgreementReport r = reports.getFirst();
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("criterion", r.criterion());
            a.put("judgements", r.judgements());
            a.put("labelers", r.labelers());
            a.put("agreement_pairwise", r.pairwise().value());
            a.put("fleiss_kappa", r.fleissKappa());
            a.put("kendall_tau", r.tauOverall().mean());
            Files.writeString(dir.resolve("agreement.json"), GSON.toJson(a) + "\n", StandardCharsets.UTF_8);
        }
    }

    /** pairs/: one preference group per prompt from the consensus ranking. */
    private void pairs() throws IOException {
        Path dir = Files.createDirectories(run.resolve("pairs"));
        Path samples = run.resolve("samples");
        FeedbackData data = new FeedbackData(Jsonl.read(samples.resolve(FeedbackData.PROMPTS_FILE), FeedbackJson.PROMPT),
                Jsonl.read(samples.resolve(FeedbackData.COMPLETIONS_FILE), FeedbackJson.COMPLETION),
                Jsonl.read(run.resolve("labels").resolve(FeedbackData.JUDGEMENTS_FILE), FeedbackJson.JUDGEMENT));
        List<PreferenceGroup> groups = PreferenceGroups.consensus(data, ConsensusMethod.valueOf(cfg.labelers().consensus().toUpperCase(Locale.ROOT)));
        JsonlWriter.appendAll(dir.resolve("groups.jsonl"), PreferenceGroup.JSON, groups);
        err.printf("  %d groups, %d pairs%n", groups.size(), groups.stream().mapToInt(g -> g.pairs().size()).sum());
    }

    /** rm/: the pairwise reward model on the consensus groups, or the classifier (trunk or n-gram) on its data set. */
    private void trainRewardModel() throws IOException {
        Path dir = run.resolve("rm");
        if (stages.pairwise())
            new RewardModelStage(stages.rewardModel(), context()).run(RewardModelStage.readGroups(run.resolve("pairs").resolve("groups.jsonl")), dir);
        else new ClassifierStage(stages.classifier(), context()).run(dir);
    }

    /** ppo/: PPO of the policy (+ value head) against the reward, KL to a frozen copy of the start; the trained policy in ppo/policy. */
    private void ppo() throws IOException {
        new PpoStage(stages.ppo(), context()).run(new PpoStage.Inputs(stages.policy(), stages.reward(), prompts(false), null, false),
                run.resolve("ppo"));
    }

    /** The demo's pipeline config for a task ("sentiment" or "detox"), as JSON text (a resource of this module). */
    public static String demoConfigText(String task) throws IOException {
        String resource = "/rlhf4j/pipeline/demo-" + task + ".json";
        try (var in = Pipeline.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalArgumentException("no demo config for task '" + task + "' (" + resource + ")");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** eval/: reference vs trained on the held-out prompts: proxy reward, gold oracle, toxicity, KL. */
    private void evaluate() throws IOException {
        new EvalStage(stages.eval(), context()).run(new EvalStage.Inputs(stages.policy(), run.resolve("ppo"), stages.reward(), prompts(true)),
                run.resolve("eval"));
    }

    /** The evaluation written by the eval stage. */
    public Evaluation.Result evaluation() throws IOException { return EvalStage.read(run.resolve("eval")); }

    /** report.html and summary.json in the run directory (the PPO run's curves, the evaluation, the pipeline's figures). */
    private void report() throws IOException {
        double wall = 0;
        for (String s : stageNames()) if (!s.equals("report")) wall += stageSeconds(s);
        Map<String, Object> shown = new LinkedHashMap<>();
        StageFiles.flatten("", GSON.fromJson(Files.readString(run.resolve(CONFIG_FILE), StandardCharsets.UTF_8), JsonObject.class), shown);
        new ReportStage(new ReportStage.Config(cfg.name() + " — " + run.getFileName(), cfg.eval().showSamples()), context())
                .run(new ReportStage.Inputs(run.resolve("ppo"), run.resolve("eval"), run.resolve("rm"),
                        stages.pairwise() ? run.resolve("labels") : null, shown, wall), run);
    }

    /** The stages' context: this run's messages and device; a stage's leftovers were deleted before it runs. */
    private StageContext context() { return new StageContext(err, device, OutputMode.REPLACE); }

    /** The directory of a run. */
    public Path runDirectory() { return run; }

}
