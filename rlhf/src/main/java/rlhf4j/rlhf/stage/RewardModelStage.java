package rlhf4j.rlhf.stage;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import rlhf4j.rlhf.consensus.ConsensusMethod;
import rlhf4j.rlhf.consensus.HeldOutSplit;
import rlhf4j.rlhf.consensus.PreferenceGroup;
import rlhf4j.rlhf.consensus.PreferenceGroups;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.rlhf.feedback.Jsonl;
import rlhf4j.rlhf.reward.RewardFunction;
import rlhf4j.rlhf.reward.RewardModel;
import rlhf4j.rlhf.reward.RewardTrainer;
import rlhf4j.transformer.train.ProgressBar;

/**
 * A pairwise (Bradley–Terry) reward model trained on preference groups: a scalar head on a trunk (the policy's, or a
 * scratch one), loss −log σ(r_w − r_l − m₀ − k·mᵢ) + c·(r_w + r_l)² averaged over each group's pairs and then over
 * the groups ({@link rlhf4j.rlhf.reward.PairwiseLoss}: m₀ a constant margin, mᵢ the margin a pair's label carries,
 * c TRL's centring coefficient). A fixed percentage of prompts (by a hash of the prompt id) is held out for pairwise
 * accuracy. Afterwards the head's bias is shifted so a reference set of completions (default: the training
 * completions) scores mean 0; with {@link Data#normalize} the mean and std of the rewards of the training
 * completions are also saved, and {@code rm:OUT} then scores (r − mean)/std.
 *
 * <p>Writes into OUT the model directory ({@code model.json}, {@code head.safetensors}, {@code trunk/}; loaded by
 * {@code rm:OUT}) and {@code metrics.json} (groups, final losses, held-out accuracy).
 */
public final class RewardModelStage {
    public static final String METRICS_FILE = "metrics.json";

    private final Config cfg;
    private final StageContext ctx;

    public RewardModelStage(Config cfg, StageContext ctx) {
        this.cfg = cfg;
        this.ctx = ctx;
    }

    /**
     * @param trunk    where the trunk comes from
     * @param training optimisation settings
     * @param data     which groups train and how the rewards are centred
     */
    public record Config(TrunkSource trunk, Training training, Data data, long seed) {
        /** Defaults with this trunk: 1 epoch of 8 groups a batch, lr 1e-4, no decay or margin, 256 tokens, 20% held out, seed 1. */
        public static Config defaults(TrunkSource trunk) { return new Config(trunk, Training.defaults(), Data.defaults(), 1); }

        public Config withTraining(Training t) { return new Config(trunk, t, data, seed); }

        public Config withData(Data d) { return new Config(trunk, training, d, seed); }

        public Config withSeed(long s) { return new Config(trunk, training, data, s); }
    }

    /**
     * @param weightDecay AdamW decay of the matrices
     * @param margin      m₀ in −log σ(r_w − r_l − m₀ − k·mᵢ), for every pair
     * @param maxLength   tokens of prompt + completion scored (the last ones kept)
     * @param labelMargin k: the weight of the margins the labels carry (mᵢ, see PreferenceGroup.IndexPair); 0 ignores them
     * @param centring    c of the centring term c·(r_w + r_l)², TRL's center_rewards_coefficient; 0 = off
     */
    public record Training(int epochs, int groupsPerBatch, double lr, double weightDecay, double margin, int maxLength,
                           double labelMargin, double centring) {
        public Training {
            if (!(labelMargin >= 0)) throw new IllegalArgumentException("label margin weight " + labelMargin + " must be >= 0");
            if (!(centring >= 0)) throw new IllegalArgumentException("reward centring coefficient " + centring + " must be >= 0");
        }

        /** Label margins at weight 1, no centring. */
        public Training(int epochs, int groupsPerBatch, double lr, double weightDecay, double margin, int maxLength) {
            this(epochs, groupsPerBatch, lr, weightDecay, margin, maxLength, 1.0, 0.0);
        }

        public static Training defaults() { return new Training(1, 8, 1e-4, 0.0, 0.0, 256); }

        public Training withEpochs(int e) { return new Training(e, groupsPerBatch, lr, weightDecay, margin, maxLength, labelMargin, centring); }

        public Training withLr(double l) { return new Training(epochs, groupsPerBatch, l, weightDecay, margin, maxLength, labelMargin, centring); }

        public Training withLabelMargin(double k) { return new Training(epochs, groupsPerBatch, lr, weightDecay, margin, maxLength, k, centring); }

        public Training withCentring(double c) { return new Training(epochs, groupsPerBatch, lr, weightDecay, margin, maxLength, labelMargin, c); }
    }

    /**
     * @param heldOutPercent       prompts held out for pairwise accuracy, by id hash
     * @param maxGroups            training groups used at most (0 = all)
     * @param referenceCompletions completions JSONL whose rewards are centred on 0 (null: the training completions)
     * @param normalize            measure mean and std of the rewards of the training completions, save them, and
     *                             have {@code rm:OUT} score (r − mean)/std
     */
    public record Data(int heldOutPercent, int maxGroups, Path referenceCompletions, boolean normalize) {
        /** Without normalisation. */
        public Data(int heldOutPercent, int maxGroups, Path referenceCompletions) { this(heldOutPercent, maxGroups, referenceCompletions, false); }

        public static Data defaults() { return new Data(20, 0, null); }

        public Data withNormalize(boolean n) { return new Data(heldOutPercent, maxGroups, referenceCompletions, n); }
    }

    /** What the stage wrote and its headline figures. */
    public record Result(Path modelDir, int trainingGroups, int heldOutGroups, double trainLoss, double heldOutAccuracy) {}

    /** Preference groups of a groups JSONL file ({@code labels pairs} writes one). */
    public static List<PreferenceGroup> readGroups(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "no such groups file");
        return Jsonl.read(file, PreferenceGroup.JSON);
    }

    /**
     * Preference groups of a feedback directory: one per usable judgement ({@code consensus} "none"), or one per item
     * from the borda or copeland consensus of its judgements.
     */
    public static List<PreferenceGroup> feedbackGroups(Path dir, String consensus) throws IOException {
        return feedbackGroups(dir, consensus, false);
    }

    /**
     * {@link #feedbackGroups(Path, String)}; with {@code agreementMargins} each consensus pair carries the labelers'
     * agreement on it as its margin ({@link PreferenceGroups#withAgreementMargins}: ties and dissent lower it).
     */
    public static List<PreferenceGroup> feedbackGroups(Path dir, String consensus, boolean agreementMargins) throws IOException {
        if (agreementMargins && consensus.equals("none"))
            throw new IllegalArgumentException("--agreement-margins needs --consensus borda or copeland (one judgement alone has no agreement)");
        for (String f : new String[]{FeedbackData.PROMPTS_FILE, FeedbackData.COMPLETIONS_FILE, FeedbackData.JUDGEMENTS_FILE}) {
            Path p = dir.resolve(f);
            if (!Files.isRegularFile(p)) throw new NoSuchFileException(p.toString(), null, "missing from the feedback directory");
        }
        FeedbackData data = FeedbackData.readFrom(dir);
        List<PreferenceGroup> groups = switch (consensus) {
            case "none" -> PreferenceGroups.perJudgement(data);
            case "borda", "copeland" -> PreferenceGroups.consensus(data, ConsensusMethod.valueOf(consensus.toUpperCase(Locale.ROOT)));
            default -> throw new IllegalArgumentException("--consensus " + consensus + ": expected none, borda or copeland");
        };
        return agreementMargins ? PreferenceGroups.withAgreementMargins(groups, data.judgements()) : groups;
    }

    public Result run(List<PreferenceGroup> groups, Path out) throws IOException {
        HeldOutSplit.Split<PreferenceGroup> split = new HeldOutSplit(cfg.data().heldOutPercent()).groups(groups);
        List<PreferenceGroup> train = split.train(), held = split.heldOut();
        if (cfg.data().maxGroups() > 0 && train.size() > cfg.data().maxGroups()) train = train.subList(0, cfg.data().maxGroups());
        if (train.isEmpty())
            throw new IllegalArgumentException("no training groups left after holding out " + cfg.data().heldOutPercent() + "% of " + groups.size());
        Path ref = cfg.data().referenceCompletions();
        if (ref != null && !Files.isRegularFile(ref)) throw new NoSuchFileException(ref.toString(), null, "no such reference completions file");
        boolean root = rlhf4j.tensor.dist.Collectives.world().isRoot();                // rank 0 alone writes
        if (root) Outputs.prepare(out, ctx.output(), ctx.err());
        ctx.err().printf(Locale.ROOT, "%d training groups (%d pairs), %d held out (%d pairs)%n", train.size(), pairs(train), held.size(), pairs(held));

        List<String> corpus = new ArrayList<>();                                   // a scratch trunk's BPE and pretraining texts
        for (PreferenceGroup g : train) for (Completion c : g.completions()) corpus.add(g.prompt().text() + c.text());
        TrunkSource.Trunk trunk = cfg.trunk().build(corpus, cfg.seed(), ctx);
        Training t = cfg.training();
        RewardModel model = RewardModel.create(trunk.model(), trunk.tokenizer(), t.maxLength(), cfg.seed());
        List<RewardTrainer.Epoch> history = train(model, train, held);
        RewardModel.Normalization n = model.normalize(referenceIds(model, train, ref));
        ctx.err().printf(Locale.ROOT, "centred on %d %s completions: mean %.4f removed, std %.4f%n", n.count(), ref != null ? "reference" : "training",
                n.mean(), n.std());
        if (cfg.data().normalize()) {
            RewardModel.Standardization st = model.standardize(referenceIds(model, train, null));
            ctx.err().printf(Locale.ROOT, "normalised on %d training completions: rm:%s scores (r - %.4f) / %.4f%n", st.count(), out, st.mean(), st.std());
        }

        RewardTrainer.Epoch last = history.getLast();
        if (!root) return new Result(out, train.size(), held.size(), last.trainLoss(), last.heldOutAccuracy());
        Files.createDirectories(out);
        model.save(out, modelInfo(trunk.description(), train.size(), held.size(), t, history));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("training_groups", train.size());
        m.put("held_out_groups", held.size());
        m.put("train_loss", last.trainLoss());
        m.put("val_accuracy", last.heldOutAccuracy());
        m.put("val_loss", last.heldOutLoss());
        StageFiles.writeJson(out.resolve(METRICS_FILE), m);
        ctx.err().printf(Locale.ROOT, "saved %s; held-out pairwise accuracy %.4f%n", out, last.heldOutAccuracy());
        return new Result(out, train.size(), held.size(), last.trainLoss(), last.heldOutAccuracy());
    }

    private List<RewardTrainer.Epoch> train(RewardModel model, List<PreferenceGroup> train, List<PreferenceGroup> held) {
        Training t = cfg.training();
        int steps = (train.size() + t.groupsPerBatch() - 1) / t.groupsPerBatch();
        ProgressBar bar = ProgressBar.on(ctx.err(), "rm", steps * t.epochs());
        var config = new RewardTrainer.Config(t.epochs(), t.groupsPerBatch(), t.lr(), t.weightDecay(), t.margin(), 1.0, cfg.seed(), t.centring());
        RewardTrainer.Listener listener = new RewardTrainer.Listener() {
            @Override public void onStep(int epoch, int step, int stepsPerEpoch, double loss) {
                bar.update((epoch - 1) * stepsPerEpoch + step, String.format(Locale.ROOT, "epoch %d loss %.3f", epoch, loss));
            }

            @Override public void onEpoch(RewardTrainer.Epoch e) {
                ctx.err().printf(Locale.ROOT, "  epoch %d: train loss %.4f, held-out pairwise accuracy %.3f (loss %.4f, %d groups), %.1f s%n",
                        e.epoch(), e.trainLoss(), e.heldOutAccuracy(), e.heldOutLoss(), held.size(), e.seconds());
            }
        };
        return new RewardTrainer(model, config).train(scaleMargins(train, t.labelMargin()), scaleMargins(held, t.labelMargin()), listener);
    }

    /** The groups with every pair's label margin multiplied by k (k = 1: as they are). */
    static List<PreferenceGroup> scaleMargins(List<PreferenceGroup> groups, double k) {
        if (k == 1) return groups;
        List<PreferenceGroup> out = new ArrayList<>();
        for (PreferenceGroup g : groups)
            out.add(new PreferenceGroup(g.source(), g.criterion(), g.prompt(), g.completions(),
                    g.pairs().stream().map(p -> new PreferenceGroup.IndexPair(p.winner(), p.loser(), k * p.margin())).toList()));
        return out;
    }

    /** The sequences whose rewards are centred: the reference completions alone, or each training completion after its prompt. */
    private static List<int[]> referenceIds(RewardModel model, List<PreferenceGroup> train, Path reference) throws IOException {
        if (reference != null) {
            List<int[]> ids = new ArrayList<>();
            for (Completion c : Jsonl.read(reference, FeedbackJson.COMPLETION)) ids.add(model.idsOf(new RewardFunction.Sample("", c.text(), null, null)));
            return ids;
        }
        Map<String, int[]> unique = new LinkedHashMap<>();
        for (PreferenceGroup g : train)
            for (Completion c : g.completions())
                unique.putIfAbsent(c.id(), model.idsOf(new RewardFunction.Sample(g.prompt().text(), c.text(), null, null)));
        return new ArrayList<>(unique.values());
    }

    private static JsonObject modelInfo(String trunk, int trainGroups, int heldGroups, Training t, List<RewardTrainer.Epoch> history) {
        JsonObject o = new JsonObject();
        o.addProperty("trunk", trunk);
        o.addProperty("training_groups", trainGroups);
        o.addProperty("held_out_groups", heldGroups);
        o.addProperty("margin", t.margin());
        o.addProperty("label_margin_weight", t.labelMargin());
        o.addProperty("center_rewards_coefficient", t.centring());
        JsonArray h = new JsonArray();
        for (var e : history) {
            JsonObject row = new JsonObject();
            row.addProperty("epoch", e.epoch());
            row.addProperty("train_loss", e.trainLoss());
            row.addProperty("held_out_accuracy", e.heldOutAccuracy());
            row.addProperty("held_out_loss", e.heldOutLoss());
            h.add(row);
        }
        o.add("history", h);
        return o;
    }

    private static int pairs(List<PreferenceGroup> groups) { return groups.stream().mapToInt(g -> g.pairs().size()).sum(); }
}
