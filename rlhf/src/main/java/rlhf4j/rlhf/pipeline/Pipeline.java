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
                case "rm" -> stage(name, switch (cfg.rewardModel().type()) {
                    case "pairwise" -> this::trainRewardModel;
                    case "ngram" -> this::trainNgramClassifier;
                    default -> this::trainClassifier;
                });
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

    /** Held out when the prompt id hashes into the last {@code percent} of [0, 100): stable whatever the order. */
    static boolean heldOut(String promptId, int percent) {
        return Math.floorMod(CounterRng.bits(promptId.hashCode(), 0x5eed), 100) >= 100 - percent;
    }

    /** rm/: a pairwise reward model whose trunk starts as the policy's; centred on the training completions. */
    private void trainRewardModel() throws IOException {
        Path dir = Files.createDirectories(run.resolve("rm"));
        List<PreferenceGroup> groups = Jsonl.read(run.resolve("pairs").resolve("groups.jsonl"), PreferenceGroup.JSON);
        List<PreferenceGroup> train = new ArrayList<>(), held = new ArrayList<>();
        for (PreferenceGroup g : groups) (heldOut(g.prompt().id(), cfg.rewardModel().heldOutPercent()) ? held : train).add(g);
        if (train.isEmpty()) throw new ConfigException("reward_model.held_out_percent: no training groups left");
        TransformerModel trunk = loadBase();
        Tokenizer tok = tokenizer(trunk);
        PipelineConfig.RewardModelSettings s = cfg.rewardModel();
        RewardModel model = RewardModel.create(trunk, tok, s.maxLength(), cfg.seed());
        int steps = (train.size() + s.groupsPerBatch() - 1) / s.groupsPerBatch();
        ProgressBar bar = ProgressBar.on(err, "rm", steps * s.epochs());
        List<RewardTrainer.Epoch> history = new RewardTrainer(model, new RewardTrainer.Config(s.epochs(), s.groupsPerBatch(),
                s.lr(), 0.0, 0.0, 1.0, cfg.seed())).train(train, held, new RewardTrainer.Listener() {
                    @Override public void onStep(int epoch, int step, int stepsPerEpoch, double loss) {
                        bar.update((epoch - 1) * stepsPerEpoch + step, String.format(Locale.ROOT, "epoch %d loss %.3f", epoch, loss));
                    }

                    @Override public void onEpoch(RewardTrainer.Epoch e) {
                        err.printf(Locale.ROOT, "%n  epoch %d: train loss %.4f, held-out pairwise accuracy %.3f (%d groups)%n",
                                e.epoch(), e.trainLoss(), e.heldOutAccuracy(), held.size());
                    }
                });
        Map<String, int[]> unique = new LinkedHashMap<>();
        for (PreferenceGroup g : train)
            for (Completion c : g.completions()) unique.putIfAbsent(c.id(), model.scoring.encode(g.prompt().text() + c.text()));
        model.normalize(new ArrayList<>(unique.values()));
        model.save(dir.resolve("model"), null);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("training_groups", train.size());
        m.put("held_out_groups", held.size());
        m.put("train_loss", history.getLast().trainLoss());
        m.put("val_accuracy", history.getLast().heldOutAccuracy());
        m.put("val_loss", history.getLast().heldOutLoss());
        Files.writeString(dir.resolve("metrics.json"), GSON.toJson(m) + "\n", StandardCharsets.UTF_8);
    }

    /** rm/: a text classifier (TweetEval hate: not-hate / hate) on the policy's trunk; its reward class's logit is the reward. */
    private void trainClassifier() throws IOException {
        Path dir = Files.createDirectories(run.resolve("rm"));
        PipelineConfig.RewardModelSettings s = cfg.rewardModel();
        if (!s.classifierData().equals("tweeteval"))
            throw new ConfigException("reward_model.classifier_data: only \"tweeteval\" is built in, got \"" + s.classifierData() + "\"");
        List<LabeledText> train = TweetEvalHate.train(), val = TweetEvalHate.val();
        List<String> classes = HATE_CLASSES;
        int rewardClass = classes.indexOf(s.rewardClass());
        if (rewardClass < 0) throw new ConfigException("reward_model.reward_class: expected one of " + classes + ", got " + s.rewardClass());
        TransformerModel trunk = loadBase();
        Tokenizer tok = tokenizer(trunk);
        Classifier model = Classifier.create(trunk, tok, classes, rewardClass, s.maxLength(), cfg.seed());
        int batch = s.groupsPerBatch() * 4;
        int perEpoch = Math.min(train.size(), s.classifierSteps() * batch / s.epochs());
        List<LabeledText> shuffled = new ArrayList<>(train);
        java.util.Collections.shuffle(shuffled, new java.util.Random(cfg.seed()));
        List<LabeledText> used = shuffled.subList(0, perEpoch);
        List<LabeledText> valUsed = val.subList(0, Math.min(val.size(), 500));
        int steps = (used.size() + batch - 1) / batch;
        ProgressBar bar = ProgressBar.on(err, "clf", steps * s.epochs());
        List<ClassifierTrainer.Epoch> history = new ClassifierTrainer(model, new ClassifierTrainer.Config(s.epochs(), batch,
                s.lr(), 0.0, 1.0, cfg.seed())).train(used, valUsed, new ClassifierTrainer.Listener() {
                    @Override public void onStep(int epoch, int step, int stepsPerEpoch, double loss) {
                        bar.update((epoch - 1) * stepsPerEpoch + step, String.format(Locale.ROOT, "epoch %d loss %.3f", epoch, loss));
                    }
                });
        model.save(dir.resolve("model"), null);
        var v = history.getLast().validation();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("training_examples", used.size());
        m.put("val_examples", valUsed.size());
        m.put("train_loss", history.getLast().trainLoss());
        m.put("val_accuracy", v.accuracy());
        Files.writeString(dir.resolve("metrics.json"), GSON.toJson(m) + "\n", StandardCharsets.UTF_8);
        err.printf(Locale.ROOT, "  classifier: validation accuracy %.3f on %d TweetEval tweets%n", v.accuracy(), valUsed.size());
    }

    /**
     * rm/: the bag-of-n-grams logistic regression on TweetEval (seconds to train, no tensors); the logit of the
     * reward class is the reward.
     */
    private void trainNgramClassifier() throws IOException {
        Path dir = Files.createDirectories(run.resolve("rm").resolve("model"));
        PipelineConfig.RewardModelSettings s = cfg.rewardModel();
        if (!s.classifierData().equals("tweeteval"))
            throw new ConfigException("reward_model.classifier_data: only \"tweeteval\" is built in, got \"" + s.classifierData() + "\"");
        int rewardClass = HATE_CLASSES.indexOf(s.rewardClass());
        if (rewardClass < 0) throw new ConfigException("reward_model.reward_class: expected one of " + HATE_CLASSES + ", got " + s.rewardClass());
        List<LabeledText> train = TweetEvalHate.train(), val = TweetEvalHate.val();
        NgramClassifier model = new NgramClassifier(20, HATE_CLASSES.size(), rewardClass);
        ProgressBar bar = ProgressBar.on(err, "ngrams", s.epochs());
        for (int e = 1; e <= s.epochs(); e++) {                                      // one pass at a time, for the bar
            model.train(train, 1, s.lr(), 1e-6, cfg.seed() + e);
            bar.update(e, "");
        }
        model.save(dir.resolve(NgramClassifier.WEIGHTS_FILE));
        double accuracy = model.evaluate(val).accuracy();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("training_examples", train.size());
        m.put("val_examples", val.size());
        m.put("val_accuracy", accuracy);
        Files.writeString(run.resolve("rm").resolve("metrics.json"), GSON.toJson(m) + "\n", StandardCharsets.UTF_8);
        err.printf(Locale.ROOT, "  n-gram classifier: validation accuracy %.3f on %d TweetEval tweets%n", accuracy, val.size());
    }

    /** TweetEval's classes in label order. */
    static final List<String> HATE_CLASSES = List.of("not-hate", "hate");

    /** The reward the policy is trained against, loaded from rm/. */
    private RewardFunction reward() throws IOException {
        Path m = run.resolve("rm").resolve("model");
        if (pairwise()) {
            RewardModel rm = RewardModel.load(m, device);
            // score the text as the model was trained on it (prompt + completion, re-tokenized, no stop token)
            return new RewardFunction() {
                @Override public float[] score(List<Sample> batch) {
                    return rm.score(batch.stream().map(s -> new Sample(s.prompt(), s.completion(), null, null)).toList());
                }

                @Override public String name() { return "reward-model"; }
            };
        }
        if (cfg.rewardModel().type().equals("ngram")) return NgramClassifier.load(m.resolve(NgramClassifier.WEIGHTS_FILE));
        return Classifier.load(m, device).rewarding(cfg.rewardModel().rewardClass(), false);
    }

    /** P(hate) of a text under the stage's classifier. */
    private TextScorer hateProbability() throws IOException {
        Path m = run.resolve("rm").resolve("model");
        if (cfg.rewardModel().type().equals("ngram")) {
            NgramClassifier c = NgramClassifier.load(m.resolve(NgramClassifier.WEIGHTS_FILE));
            int hate = HATE_CLASSES.indexOf("hate");
            return new TextScorer() {
                @Override public double score(String text) {
                    float[] z = c.logits(text);                                  // P(hate) = softmax(z)[hate]
                    double max = Math.max(z[0], z[1]), sum = 0;
                    for (float x : z) sum += Math.exp(x - max);
                    return Math.exp(z[hate] - max) / sum;
                }

                @Override public String name() { return "P(hate)"; }
            };
        }
        Classifier c = Classifier.load(m, device);
        int hate = c.classes.indexOf("hate");
        return new TextScorer() {
            @Override public double score(String text) { return c.probabilities(List.of(text))[0][hate]; }

            @Override public String name() { return "P(hate)"; }
        };
    }

    /** ppo/: PPO of the policy (+ value head) against the reward, KL to a frozen copy of the start. */
    private void ppo() throws IOException {
        Path dir = Files.createDirectories(run.resolve("ppo"));
        TransformerModel trunk = loadBase(), reference = loadBase();
        Tokenizer tok = tokenizer(trunk);
        int stop = stopToken(tok);
        PpoConfig pc = ppoConfig(cfg);
        List<int[]> ids = new ArrayList<>();
        for (String t : prompts(false)) ids.add(encodePrompt(tok, t, stop, trunk, pc.sampling().maxNewTokens(), "ppo.max_new_tokens"));
        PpoTrainer trainer = new PpoTrainer(pc, PpoModels.withValueHead(trunk, reference), reward(), tok, stop, ids, dir)
                .progress(err);
        trainer.train();
        TrunkFiles.save(trunk, tok, dir.resolve("policy"));
    }

    /** The PPO settings of a config (the rest at their usual values: γ = 1, λ = 0.95, gradient clip 1, one checkpoint at the end). */
    public static PpoConfig ppoConfig(PipelineConfig cfg) {
        PipelineConfig.Ppo p = cfg.ppo();
        return new PpoConfig(new PpoConfig.Sampling(p.batchSize(), p.maxNewTokens(), p.temperature()),
                new PpoConfig.Optimisation(p.lr(), 0.0, 1.0, p.epochs(), p.minibatches()),
                new PpoConfig.Loss(p.clipRange(), 0.2, p.vfCoef(), p.entropyCoef()),
                new PpoConfig.Advantage(1.0, 0.95, p.whitenRewards(), p.rewardClip(), 0.0),
                new PpoConfig.KlControl(p.initKlCoef(), p.adaptiveKl(), p.targetKl(), 10_000, 0.0),
                new PpoConfig.Stopping(p.iterations(), Double.NaN, 5), new PpoConfig.Checkpointing(0, 1), cfg.seed());
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
        Path dir = Files.createDirectories(run.resolve("eval"));
        TransformerModel reference = loadBase(), trained = TrunkFiles.loadTrunk(run.resolve("ppo").resolve("policy"), device);
        Tokenizer tok = tokenizer(reference);
        int stop = stopToken(tok);
        List<int[]> ids = new ArrayList<>();
        for (String t : prompts(true)) ids.add(encodePrompt(tok, t, stop, reference, cfg.eval().maxNewTokens(), "eval.max_new_tokens"));
        TextScorer gold = cfg.eval().gold().equals("none") ? null : oracle(cfg.eval().gold(), "eval.gold");
        TextScorer toxicity = null;
        if (cfg.eval().toxicity()) {
            if (pairwise()) throw new ConfigException("eval.toxicity: needs reward_model.type \"classifier\" or \"ngram\"");
            toxicity = hateProbability();
        }
        Evaluation.Result r = Evaluation.run(reference, trained, tok, stop, ids, reward(), gold, toxicity,
                new Evaluation.Settings(cfg.eval().maxNewTokens(), cfg.ppo().temperature(), cfg.seed() + 7, 16));
        writeAtomically(dir.resolve("result.json"), GSON.toJson(r) + "\n");
        err.printf(Locale.ROOT, "  proxy reward %.3f -> %.3f", r.reference().reward().mean(), r.trained().reward().mean());
        if (r.trained().gold() != null)
            err.printf(Locale.ROOT, ", gold (%s) %.3f -> %.3f", gold.name(), r.reference().gold().mean(), r.trained().gold().mean());
        if (r.trained().toxicity() != null)
            err.printf(Locale.ROOT, ", toxicity %.3f ± %.3f -> %.3f ± %.3f", r.reference().toxicity().mean(), r.reference().toxicity().std(),
                    r.trained().toxicity().mean(), r.trained().toxicity().std());
        err.printf(Locale.ROOT, ", KL %.2f%n", r.trained().klToReference().mean());
    }

    /** The evaluation written by the eval stage. */
    public Evaluation.Result evaluation() throws IOException {
        return GSON.fromJson(Files.readString(run.resolve("eval").resolve("result.json"), StandardCharsets.UTF_8), Evaluation.Result.class);
    }

    /** report.html and summary.json in the run directory (the PPO run's curves, the evaluation, the pipeline's figures). */
    private void report() throws IOException {
        Evaluation.Result eval = evaluation();
        Double rmAcc = null, pairwiseAgreement = null, kappa = null;
        Path rmMetrics = run.resolve("rm").resolve("metrics.json");
        if (Files.exists(rmMetrics)) {
            JsonObject o = GSON.fromJson(Files.readString(rmMetrics, StandardCharsets.UTF_8), JsonObject.class);
            if (o.has("val_accuracy") && !o.get("val_accuracy").isJsonNull()) rmAcc = o.get("val_accuracy").getAsDouble();
        }
        Path agreement = run.resolve("labels").resolve("agreement.json");
        if (Files.exists(agreement)) {
            JsonObject o = GSON.fromJson(Files.readString(agreement, StandardCharsets.UTF_8), JsonObject.class);
            pairwiseAgreement = o.get("agreement_pairwise").getAsDouble();
            kappa = o.get("fleiss_kappa").getAsDouble();
        }
        double wall = 0;
        for (String s : stageNames()) if (!s.equals("report")) wall += stageSeconds(s);
        Summary extra = new Summary(null, null, null, null, null, null, null, null, rmAcc, pairwiseAgreement, kappa, null, wall);
        Map<String, Object> shown = new LinkedHashMap<>();
        JsonObject config = GSON.fromJson(Files.readString(run.resolve(CONFIG_FILE), StandardCharsets.UTF_8), JsonObject.class);
        flatten("", config, shown);
        Path ppo = run.resolve("ppo");
        Summary s = Reports.write(ppo, cfg.name() + " — " + run.getFileName(), shown, cfg.eval().showSamples() ? eval : hideSamples(eval), extra);
        Files.copy(ppo.resolve(RunReport.FILE), run.resolve(RunReport.FILE), StandardCopyOption.REPLACE_EXISTING);
        writeAtomically(run.resolve(Summary.FILE), s.toJson() + "\n");
    }

    /** The evaluation without its texts (for runs whose samples are offensive and must not be shown by default). */
    private static Evaluation.Result hideSamples(Evaluation.Result e) {
        List<Evaluation.SampleRow> none = e.samples().stream().map(r -> new Evaluation.SampleRow("(hidden)", "(hidden)", "(hidden)",
                r.referenceReward(), r.trainedReward(), r.referenceGold(), r.trainedGold())).toList();
        return new Evaluation.Result(e.reference(), e.trained(), e.winRate(), e.winRateBy(), none);
    }

    private static void flatten(String prefix, JsonObject o, Map<String, Object> out) {
        for (var e : o.entrySet()) {
            if (e.getValue().isJsonObject()) flatten(prefix + e.getKey() + ".", e.getValue().getAsJsonObject(), out);
            else out.put(prefix + e.getKey(), e.getValue().toString());
        }
    }

    /** The directory of a run. */
    public Path runDirectory() { return run; }

}
