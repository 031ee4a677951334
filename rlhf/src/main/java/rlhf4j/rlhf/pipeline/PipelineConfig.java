package rlhf4j.rlhf.pipeline;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import rlhf4j.transformer.data.DataSets;
import rlhf4j.rlhf.stage.DpoStage;
import rlhf4j.rlhf.stage.PolicyPretrainStage;
import rlhf4j.rlhf.dpo.DpoConfig;
import rlhf4j.rlhf.grpo.Baseline;
import rlhf4j.rlhf.grpo.GrpoConfig;
import rlhf4j.rlhf.ppo.PpoConfig;

/**
 * Everything one pipeline run needs, read from a JSON file (format: docs/pipeline.md). Sections: policy, prompts,
 * sampling, labelers, reward_model, the training algorithm's (ppo, grpo, rloo or dpo; chosen by {@code algorithm}), eval. Missing fields take the defaults below; an unknown field, a wrong
 * type or an out-of-range value is a {@link ConfigException} naming the file and the field ("ppo.lr").
 *
 * <p>Paths starting with {@code shared:} are looked up under the project's shared/data folder; other relative paths
 * are relative to the config file's folder.
 */
public record PipelineConfig(Run run, Policy policy, Prompts prompts, Sampling sampling, Labelers labelers,
                             RewardModelSettings rewardModel, Training training, Eval eval) {

    /** The algorithms that can train the policy; each has a section of its own and a stage directory of its name. */
    public static final List<String> ALGORITHMS = List.of("ppo", "grpo", "rloo", "dpo");

    /**
     * Which algorithm trains the policy, and the settings of each (every section is read and checked; only the
     * chosen one's is used).
     */
    public record Training(String algorithm, PpoConfig ppo, GrpoConfig grpo, GrpoConfig rloo, DpoStage.Config dpo) {
        public Training {
            if (!ALGORITHMS.contains(algorithm))
                throw new IllegalArgumentException("algorithm '" + algorithm + "': expected one of " + String.join(", ", ALGORITHMS));
        }

        public Training withAlgorithm(String a) { return new Training(a, ppo, grpo, rloo, dpo); }

        public Training withPpo(PpoConfig c) { return new Training(algorithm, c, grpo, rloo, dpo); }

        public Training withGrpo(GrpoConfig c) { return new Training(algorithm, ppo, c, rloo, dpo); }

        public Training withRloo(GrpoConfig c) { return new Training(algorithm, ppo, grpo, c, dpo); }

        public Training withDpo(DpoStage.Config c) { return new Training(algorithm, ppo, grpo, rloo, c); }

        /** The chosen algorithm's settings: a PpoConfig, a GrpoConfig or a DpoStage.Config. */
        public Record chosen() {
            return switch (algorithm) {
                case "ppo" -> ppo;
                case "grpo" -> grpo;
                case "rloo" -> rloo;
                default -> dpo;
            };
        }

        /** The settings of a critic-free algorithm (grpo or rloo), or null for ppo. */
        public GrpoConfig criticFree() {
            return switch (algorithm) {
                case "grpo" -> grpo;
                case "rloo" -> rloo;
                default -> null;
            };
        }

        /** The chosen algorithm's sampling temperature (the evaluation samples at the same one; DPO samples nothing: PPO's). */
        public double temperature() { return criticFree() != null ? criticFree().sampling().temperature() : ppo.sampling().temperature(); }

        /** The chosen algorithm's completion length cap. */
        public int maxNewTokens() { return criticFree() != null ? criticFree().sampling().maxNewTokens() : ppo.sampling().maxNewTokens(); }

        /** What the training stage does, in words. */
        public String description() {
            GrpoConfig c = criticFree();
            if (algorithm.equals("dpo"))
                return String.format(java.util.Locale.ROOT, "DPO on the consensus pairs: %d epochs, %s loss, beta %s", dpo.training().optimisation().epochs(),
                        dpo.training().loss().type().toString().toLowerCase(java.util.Locale.ROOT), dpo.training().loss().beta());
            if (c == null) return ppo.stopping().maxIterations() + " PPO iterations of " + ppo.sampling().batchSize() + " rollouts";
            return String.format(java.util.Locale.ROOT, "%d %s iterations of %d prompts x %d completions, beta %s", c.stopping().maxIterations(),
                    c.objective().baseline().id().toUpperCase(java.util.Locale.ROOT), c.sampling().prompts(), c.sampling().groupSize(), c.objective().beta());
        }
    }

    /** PPO's settings (used when the algorithm is ppo). */
    public PpoConfig ppo() { return training.ppo(); }

    public PipelineConfig withTraining(Training t) { return new PipelineConfig(run, policy, prompts, sampling, labelers, rewardModel, t, eval); }

    /** The run's name (in the report's title), the seed of every random choice, and the device. */
    public record Run(String name, long seed, String device) {}

    public String name() { return run.name(); }

    public long seed() { return run.seed(); }

    public String device() { return run.device(); }


    /**
     * The starting policy: a checkpoint (llama2.c .bin + tokenizer, or a model directory), or a small GPT-2 made and
     * pretrained here on a corpus ({@code scratch}). Completions end at the model's end-of-text token unless
     * {@code stopAtEos} is false: then every completion has its full length, which takes away the cheapest reward
     * hack of a classifier reward (saying nothing at all).
     */
    public record Policy(Path checkpoint, Path tokenizer, Scratch scratch, boolean stopAtEos) {}

    /**
     * A small GPT-2 with a byte-level BPE trained on {@code corpus} ("davidson" or a text file, one document a line),
     * then next-token pretrained for {@code steps}.
     */
    public record Scratch(String corpus, PolicyPretrainStage.Shape shape, int steps, int batchSize, double lr) {}

    /**
     * Prompts: "tinystories" (each story's first {@code words} words), "davidson" (each tweet's first words), or a
     * text file with one prompt a line. The first {@code train} are sampled, labeled and trained on; the next
     * {@code eval} are held out for the evaluation.
     */
    public record Prompts(String source, int words, int train, int eval) {}

    /** K completions per training prompt, for the labelers. */
    public record Sampling(int k, int maxNewTokens, double temperature, int batchSize) {}

    /**
     * Who ranks the K completions: a human judgements JSONL file (the feedback schema, keyed by the prompt ids
     * p1, p2, ... and completion ids p1-s0, ...), simulated labelers ranking by an oracle with Bradley–Terry
     * noise, one per temperature, or people on the labeling server ({@code human} not null).
     */
    public record Labelers(Path judgements, String oracle, List<Double> temperatures, String criterion, String consensus,
                           Human human) {
        /** Simulated labelers or a judgements file: no labeling server. */
        public Labelers(Path judgements, String oracle, List<Double> temperatures, String criterion, String consensus) {
            this(judgements, oracle, temperatures, criterion, consensus, null);
        }
    }

    /**
     * {@code "labelers": "human"} (or {@code {"type": "human", ...}}): the pipeline puts the samples into a labeling
     * campaign in {@code labeling.db} of the run directory and stops until every item has {@code labelersPerItem}
     * judgements. Simulated labelers of {@code simulatedTemperatures} (the oracle's, as above) label through the
     * same service as extra labelers each time the pipeline runs.
     */
    public record Human(int labelersPerItem, java.time.Duration lease, Path instructions, List<Double> simulatedTemperatures) {}

    /**
     * The reward: "pairwise" (a Bradley–Terry reward model on the consensus groups, trunk initialised from the
     * policy; {@code heldOutPercent} of the prompts measure it), "classifier" (a transformer classifier on the policy's
     * trunk) or "ngram" (the bag-of-n-grams logistic regression), both trained on {@link ClassifierData}.
     */
    public record RewardModelSettings(String type, RewardTraining training, int heldOutPercent, ClassifierData classifier) {}

    /** Epochs, learning rate, groups per batch (a classifier's batch is 4 × that), tokens per text. */
    public record RewardTraining(int epochs, double lr, int groupsPerBatch, int maxLength) {}

    /** A classifier's data set, the class whose logit is the reward, and about how many batches a trunk classifier trains. */
    public record ClassifierData(String data, String rewardClass, int steps) {}


    /**
     * Held-out evaluation: a gold oracle the policy never trained on, a toxicity score, samples printed, and held-out
     * judges: reward-source specs ({@code classifier:DIR:CLASS} judged by P(CLASS), {@code rm:DIR} ...), or
     * {@value #DAVIDSON_JUDGE} for P(hate) of an n-gram classifier the {@code judge} stage trains on Davidson et al.'s
     * tweets (other tweets, other annotators than TweetEval's), {@code davidson:CLASS} for P(CLASS) of it (classes
     * hate, offensive, neither).
     */
    public record Eval(String gold, boolean toxicity, int maxNewTokens, int samplesShown, boolean showSamples, List<String> judges) {
        public static final String DAVIDSON_JUDGE = "davidson";

        public Eval {
            judges = judges == null ? List.of() : List.copyOf(judges);
        }

        /** Whether the run trains the Davidson judge. */
        public boolean davidsonJudge() { return judges.stream().anyMatch(Eval::isDavidson); }

        /** "davidson" or "davidson:CLASS". */
        public static boolean isDavidson(String judge) { return judge.equals(DAVIDSON_JUDGE) || judge.startsWith(DAVIDSON_JUDGE + ":"); }

        /** The class of a Davidson judge whose probability is reported: hate unless named. */
        public static String davidsonClass(String judge) { return judge.equals(DAVIDSON_JUDGE) ? "hate" : judge.substring(DAVIDSON_JUDGE.length() + 1); }
    }

    public static PipelineConfig load(Path file) throws IOException {
        return parse(readObject(file, "pipeline config"), file.toString(), file.toAbsolutePath().getParent());
    }

    /** A config file's top-level JSON object; a missing file, bad JSON or another top level is an error naming the file. */
    public static JsonObject readObject(Path file, String kind) throws IOException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "no such " + kind);
        JsonElement root;
        try {
            root = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
        } catch (JsonParseException e) {
            throw new ConfigException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        if (!root.isJsonObject()) throw new ConfigException(file + ": expected a JSON object at the top level");
        return root.getAsJsonObject();
    }

    /** Parses a config object; {@code source} names it in errors, {@code base} resolves relative paths. */
    public static PipelineConfig parse(JsonObject root, String source, Path base) {
        root = humanShorthand(root, source);
        Fields top = new Fields(root, source, "", base);
        Fields pol = top.section("policy"), pr = top.section("prompts"), sa = top.section("sampling"),
                la = top.section("labelers"), rm = top.section("reward_model"), pp = top.section("ppo"), ev = top.section("eval"),
                gr = top.section("grpo"), rl = top.section("rloo"), dp = top.section("dpo");
        Scratch scratch = null;
        if (pol.has("scratch")) {
            Fields sc = pol.section("scratch");
            scratch = new Scratch(sc.str("corpus", "davidson"), new PolicyPretrainStage.Shape(sc.positive("layers", 2), sc.positive("heads", 4),
                    sc.positive("width", 128), sc.positive("context", 64), sc.positive("bpe_vocab", 512)),
                    sc.positive("steps", 300), sc.positive("batch_size", 16), sc.positiveNum("lr", 2e-3));
            sc.done();
        }
        boolean stories260k = scratch == null && !pol.has("checkpoint");       // the default policy and its tokenizer
        Path checkpoint = pol.path("checkpoint", stories260k ? "shared:stories260k/stories260K.bin" : null);
        Policy policy = new Policy(checkpoint, pol.path("tokenizer", stories260k ? "shared:stories260k/tok512.bin" : null), scratch,
                pol.bool("stop_at_eos", true));
        if (scratch != null && pol.has("checkpoint")) throw pol.error("checkpoint", "give either checkpoint or scratch, not both");

        Prompts prompts = new Prompts(pr.str("source", "tinystories"), pr.positive("words", 8), pr.positive("train", 64),
                pr.positive("eval", 32));
        Sampling sampling = new Sampling(sa.atLeast("k", 4, 2), sa.positive("max_new_tokens", 48),
                sa.positiveNum("temperature", 1.0), sa.positive("batch_size", 32));
        Labelers labelers = labelers(la);
        RewardModelSettings reward = new RewardModelSettings(rm.oneOf("type", "pairwise", "pairwise", "classifier", "ngram"),
                new RewardTraining(rm.positive("epochs", 2), rm.positiveNum("lr", 3e-4), rm.positive("groups_per_batch", 8),
                        rm.positive("max_length", 128)), rm.atLeast("held_out_percent", 20, 0),
                new ClassifierData(rm.str("classifier_data", "tweeteval"), rm.str("reward_class", "not-hate"), rm.positive("classifier_steps", 300)));
        if (reward.heldOutPercent() >= 100) throw rm.error("held_out_percent", "must be below 100");
        Run run = new Run(top.str("name", "pipeline"), top.integer("seed", 1), top.oneOf("device", "cpu", "cpu", "cuda"));
        Training training = new Training(top.oneOf("algorithm", "ppo", ALGORITHMS.toArray(String[]::new)), ppo(pp, run.seed()),
                criticFree(gr, Baseline.parse(gr.oneOf("variant", "grpo", "grpo", "dr-grpo")), run.seed()),
                criticFree(rl, Baseline.RLOO, run.seed()), dpo(dp, run.seed()));
        if (training.algorithm().equals("dpo") && !reward.type().equals("pairwise"))
            throw top.error("algorithm", "dpo trains on the consensus pairs: it needs reward_model.type \"pairwise\"");
        Eval eval = new Eval(ev.str("gold", "afinn"), ev.bool("toxicity", false), ev.positive("max_new_tokens", training.maxNewTokens()),
                ev.atLeast("samples_shown", 3, 0), ev.bool("show_samples", true), ev.judges("judges"));
        if (eval.toxicity() && reward.type().equals("pairwise"))
            throw ev.error("toxicity", "needs reward_model.type \"classifier\" or \"ngram\" (the toxicity is its classifier's P(hate))");
        PipelineConfig c = new PipelineConfig(run, policy, prompts, sampling, labelers, reward, training, eval);
        for (Fields f : List.of(pol, pr, sa, la, rm, pp, gr, rl, dp, ev, top)) f.done();
        return c;
    }

    /** {@code "labelers": "human"} reads as {@code "labelers": {"type": "human"}}; any other string is an error. */
    private static JsonObject humanShorthand(JsonObject root, String source) {
        JsonElement l = root.get("labelers");
        if (l == null || !l.isJsonPrimitive()) return root;
        if (!l.getAsJsonPrimitive().isString() || !l.getAsString().equals("human"))
            throw new ConfigException(source + ": field 'labelers': expected an object or \"human\", got " + l);
        JsonObject copy = root.deepCopy(), human = new JsonObject();
        human.addProperty("type", "human");
        copy.add("labelers", human);
        return copy;
    }

    private static Labelers labelers(Fields la) {
        String type = la.oneOf("type", "simulated", "simulated", "human");
        Path judgements = la.path("judgements", null);
        String oracle = la.str("oracle", "vader");
        List<Double> temperatures = la.numbers("temperatures", List.of(0.05, 0.1, 0.2));
        String criterion = la.str("criterion", "sentiment"), consensus = la.oneOf("consensus", "borda", "borda", "copeland");
        if (!type.equals("human")) {
            for (String humanOnly : List.of("labelers_per_item", "lease", "instructions", "simulated_temperatures"))
                if (la.has(humanOnly)) throw la.error(humanOnly, "only for \"type\": \"human\"");
            return new Labelers(judgements, oracle, temperatures, criterion, consensus);
        }
        if (judgements != null) throw la.error("judgements", "give a judgements file or \"type\": \"human\", not both");
        java.time.Duration lease;
        try {
            lease = rlhf4j.rlhf.serve.CampaignFiles.parseDuration(la.str("lease", "30m"), "lease");
        } catch (IllegalArgumentException e) {
            throw la.error("lease", e.getMessage());
        }
        Human human = new Human(la.positive("labelers_per_item", 3), lease, la.path("instructions", null),
                la.has("simulated_temperatures") ? la.numbers("simulated_temperatures", List.of()) : List.of());
        return new Labelers(null, oracle, temperatures, criterion, consensus, human);
    }

    /**
     * The ppo section as PPO's settings; what it has no field for: no weight decay, gradient clip 1, value
     * clip 0.2, γ and λ as PPO's defaults (1, 1), KL horizon 10,000, no early epoch stop, no missing-stop penalty or score threshold, one
     * checkpoint at the end.
     */
    private static PpoConfig ppo(Fields pp, long seed) {
        var sampling = new PpoConfig.Sampling(pp.positive("batch_size", 16), pp.positive("max_new_tokens", 48), pp.positiveNum("temperature", 1.0));
        int minibatches = pp.positive("minibatches", 4);
        if (sampling.batchSize() % minibatches != 0)
            throw pp.error("minibatches", minibatches + " must divide batch_size " + sampling.batchSize());
        var optimisation = new PpoConfig.Optimisation(pp.positiveNum("lr", 1e-4), 0.0, 1.0, pp.positive("epochs", 4), minibatches);
        var kl = new PpoConfig.KlControl(pp.nonNegative("init_kl_coef", 0.05), pp.bool("adaptive_kl", false), pp.positiveNum("target_kl", 6),
                10_000, 0.0);
        var loss = new PpoConfig.Loss(pp.positiveNum("clip_range", 0.2), 0.2, pp.nonNegative("vf_coef", 0.1), pp.nonNegative("entropy_coef", 0));
        var advantage = new PpoConfig.Advantage(PpoConfig.Defaults.GAMMA, PpoConfig.Defaults.LAMBDA, pp.bool("whiten_rewards", false), pp.nonNegative("reward_clip", 0), 0.0);
        var stopping = new PpoConfig.Stopping(pp.positive("iterations", 20), Double.NaN, 5);
        return new PpoConfig(sampling, optimisation, loss, advantage, kl, stopping, new PpoConfig.Checkpointing(0, 1), seed);
    }

    /**
     * A grpo or rloo section as {@link GrpoConfig}, defaults matching the ppo section's (16 rollouts of 48 tokens, 4
     * epochs × 4 minibatches, lr 1e−4, 20 iterations); what it has no field for: no weight decay, gradient clip 1, one
     * checkpoint at the end.
     */
    private static GrpoConfig criticFree(Fields f, Baseline baseline, long seed) {
        var sampling = new GrpoConfig.Sampling(f.positive("prompts_per_iteration", 4), f.atLeast("group_size", 4, 2),
                f.positive("max_new_tokens", 48), f.positiveNum("temperature", 1.0));
        int minibatches = f.positive("minibatches", 4);
        if (sampling.batchSize() % minibatches != 0)
            throw f.error("minibatches", minibatches + " must divide prompts_per_iteration × group_size = " + sampling.batchSize());
        var objective = new GrpoConfig.Objective(baseline, f.positiveNum("clip_range", 0.2), f.nonNegative("beta", GrpoConfig.Defaults.BETA),
                f.positiveNum("std_epsilon", GrpoConfig.Defaults.EPSILON));
        return new GrpoConfig(sampling, new PpoConfig.Optimisation(f.positiveNum("lr", 1e-4), 0.0, 1.0, f.positive("epochs", 4), minibatches),
                objective, new PpoConfig.Stopping(f.positive("iterations", 20), Double.NaN, 5), new PpoConfig.Checkpointing(0, 1), seed);
    }

    /**
     * The dpo section as {@link DpoStage.Config}: the consensus groups of the pairs stage, every one trained on (no
     * hold-out: the eval stage measures), completions cut to max_completion_tokens; defaults β 0.1, sigmoid loss,
     * 2 epochs of 8 groups a step at lr 1e−4; no weight decay, gradient clip 1, one checkpoint at the end.
     */
    private static DpoStage.Config dpo(Fields f, long seed) {
        DpoConfig.LossType type;
        try {
            type = DpoConfig.LossType.parse(f.oneOf("loss", "sigmoid", "sigmoid", "ipo"));
        } catch (IllegalArgumentException e) {
            throw f.error("loss", e.getMessage());
        }
        double beta = f.positiveNum("beta", 0.1), smoothing = f.nonNegative("label_smoothing", 0);
        if (smoothing >= 0.5) throw f.error("label_smoothing", "must be below 0.5");
        if (type == DpoConfig.LossType.IPO && smoothing != 0) throw f.error("label_smoothing", "applies to the sigmoid loss only");
        DpoConfig training = new DpoConfig(new DpoConfig.Loss(type, beta, smoothing),
                new DpoConfig.Optimisation(f.positive("epochs", 2), f.positive("groups_per_batch", 8), f.positiveNum("lr", 1e-4), 0.0, 1.0),
                new DpoConfig.Checkpointing(0, 1), seed);
        return new DpoStage.Config(training, new DpoStage.Data(0, 0, f.positive("max_completion_tokens", 64)));
    }

    /**
     * One JSON object's fields, read with defaults; remembers what was read so that {@link #done} can reject the
     * fields nobody asked for (typos).
     */
    static final class Fields {
        private final JsonObject o;
        private final String source, prefix;
        private final Path base;
        private final Set<String> seen = new LinkedHashSet<>();

        Fields(JsonObject o, String source, String prefix, Path base) {
            this.o = o;
            this.source = source;
            this.prefix = prefix;
            this.base = base;
        }

        ConfigException error(String key, String problem) {
            return new ConfigException(source + ": field '" + prefix + key + "': " + problem);
        }

        boolean has(String key) { return o.has(key) && !o.get(key).isJsonNull(); }

        Fields section(String key) {
            seen.add(key);
            if (!has(key)) return new Fields(new JsonObject(), source, prefix + key + ".", base);
            if (!o.get(key).isJsonObject()) throw error(key, "expected an object, got " + o.get(key));
            return new Fields(o.getAsJsonObject(key), source, prefix + key + ".", base);
        }

        private JsonPrimitive primitive(String key) {
            seen.add(key);
            if (!has(key)) return null;
            JsonElement e = o.get(key);
            if (!e.isJsonPrimitive()) throw error(key, "expected a single value, got " + e);
            return e.getAsJsonPrimitive();
        }

        String str(String key, String dflt) {
            JsonPrimitive p = primitive(key);
            if (p == null) return dflt;
            if (!p.isString()) throw error(key, "expected a string, got " + p);
            return p.getAsString();
        }

        String oneOf(String key, String dflt, String... allowed) {
            String v = str(key, dflt);
            for (String a : allowed) if (a.equals(v)) return v;
            throw error(key, "expected one of " + String.join(", ", allowed) + ", got \"" + v + "\"");
        }

        double num(String key, double dflt) {
            JsonPrimitive p = primitive(key);
            if (p == null) return dflt;
            if (!p.isNumber()) throw error(key, "expected a number, got " + p);
            double v = p.getAsDouble();
            if (!Double.isFinite(v)) throw error(key, "expected a finite number, got " + p);
            return v;
        }

        double positiveNum(String key, double dflt) {
            double v = num(key, dflt);
            if (!(v > 0)) throw error(key, "must be > 0, got " + v);
            return v;
        }

        double nonNegative(String key, double dflt) {
            double v = num(key, dflt);
            if (!(v >= 0)) throw error(key, "must be >= 0, got " + v);
            return v;
        }

        long integer(String key, long dflt) {
            double v = num(key, dflt);
            if (v != Math.rint(v) || Math.abs(v) > 1L << 53) throw error(key, "expected a whole number, got " + v);
            return (long) v;
        }

        int atLeast(String key, int dflt, int min) {
            long v = integer(key, dflt);
            if (v < min || v > Integer.MAX_VALUE) throw error(key, "must be a whole number >= " + min + ", got " + v);
            return (int) v;
        }

        int positive(String key, int dflt) { return atLeast(key, dflt, 1); }

        boolean bool(String key, boolean dflt) {
            JsonPrimitive p = primitive(key);
            if (p == null) return dflt;
            if (!p.isBoolean()) throw error(key, "expected true or false, got " + p);
            return p.getAsBoolean();
        }

        List<Double> numbers(String key, List<Double> dflt) {
            seen.add(key);
            if (!has(key)) return dflt;
            if (!o.get(key).isJsonArray()) throw error(key, "expected an array of numbers, got " + o.get(key));
            JsonArray a = o.getAsJsonArray(key);
            List<Double> out = new ArrayList<>();
            for (JsonElement e : a) {
                if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber() || !(e.getAsDouble() >= 0))
                    throw error(key, "expected numbers >= 0, got " + e);
                out.add(e.getAsDouble());
            }
            if (out.isEmpty()) throw error(key, "needs at least one value");
            return List.copyOf(out);
        }

        /** Held-out judges: an array of "davidson" or reward-source specs (each checked here); empty when absent. */
        List<String> judges(String key) {
            seen.add(key);
            if (!has(key)) return List.of();
            if (!o.get(key).isJsonArray()) throw error(key, "expected an array of judges, got " + o.get(key));
            List<String> out = new ArrayList<>();
            for (JsonElement e : o.getAsJsonArray(key)) {
                if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) throw error(key, "expected judge names (strings), got " + e);
                String j = e.getAsString().strip();
                if (Eval.isDavidson(j) && !List.of("hate", "offensive", "neither").contains(Eval.davidsonClass(j)))
                    throw error(key, "\"" + j + "\": the Davidson classes are hate, offensive and neither");
                if (!Eval.isDavidson(j)) {
                    try {
                        rlhf4j.rlhf.reward.RewardSource.parse(j);
                    } catch (IllegalArgumentException bad) {
                        throw error(key, "\"" + j + "\" is neither davidson nor a reward source (" + bad.getMessage() + ")");
                    }
                }
                out.add(j);
            }
            return List.copyOf(out);
        }

        /** A path: "shared:REL" under shared/data, absolute, or relative to the config's folder; null when absent. */
        Path path(String key, String dflt) {
            String v = str(key, dflt);
            if (v == null) return null;
            if (v.isBlank()) throw error(key, "empty path");
            if (v.startsWith("shared:")) return DataSets.path(v.substring(7));
            Path p = Path.of(v);
            return p.isAbsolute() || base == null ? p : base.resolve(p);
        }

        /** Rejects fields that were never read: most often a misspelt name. */
        void done() {
            for (String key : o.keySet())
                if (!seen.contains(key)) throw error(key, "unknown field (known here: " + String.join(", ", seen) + ")");
        }
    }
}
