package rlhf4j.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.consensus.ConsensusMethod;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.consensus.PreferenceGroup;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.consensus.PreferenceGroups;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.feedback.Jsonl;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.reward.RewardFunction;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.reward.RewardModel;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.rlhf.reward.RewardTrainer;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.tensor.Backends;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.tensor.CounterRng;
import rlhf4j.transformer.train.ProgressBar;
import rlhf4j.tensor.Device;

/** {@code reward train} and {@code reward score}: a pairwise (Bradley–Terry) reward model. */
@Command(name = "reward", mixinStandardHelpOptions = true,
        description = "Train a pairwise reward model on ranked completions, or score completions with one.",
        subcommands = {RewardCommand.Train.class, RewardCommand.Score.class})
public final class RewardCommand implements Callable<Integer> {
    @Override public Integer call() {
        picocli.CommandLine.usage(this, System.out);
        return 0;
    }

    /** Held out when the prompt id hashes into the last {@code percent} of [0, 100): stable whatever the file order. */
    static boolean heldOut(String promptId, int percent) {
        long h = CounterRng.bits(promptId.hashCode(), 0x5eed);
        return Math.floorMod(h, 100) >= 100 - percent;
    }

    /** Texts of a file: completions JSONL (their "text"), or plain text, one per line. */
    static List<String> readTexts(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "no such input file");
        List<String> texts = new ArrayList<>();
        if (file.toString().endsWith(".jsonl")) for (Completion c : Jsonl.read(file, FeedbackJson.COMPLETION)) texts.add(c.text());
        else for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) texts.add(line);
        return texts;
    }

    static final class Source {
        @Option(names = "--pairs", required = true, description = "groups JSONL (from labels pairs)")
        Path pairs;

        @Option(names = "--dir", required = true, description = "feedback directory (prompts.jsonl, completions.jsonl, judgements.jsonl)")
        Path dir;
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Train a reward model (trunk + scalar head at the last token) with the Bradley-Terry loss on K-way groups.")
    static final class Train implements Callable<Integer> {
        @ArgGroup(exclusive = true, multiplicity = "1") Source source;

        @Option(names = "--consensus", defaultValue = "none",
                description = "--dir: none (one group per judgement), borda or copeland (default ${DEFAULT-VALUE})")
        String consensus;

        @Option(names = "--out", required = true, description = "directory to write the reward model to")
        Path out;

        @Mixin TrunkOptions trunk = new TrunkOptions();

        @Option(names = "--held-out", defaultValue = "20", description = "percent of prompts held out for pairwise accuracy, by id hash (default: ${DEFAULT-VALUE})")
        int heldOutPercent;
        @Option(names = "--reference", description = "completions JSONL of the reference policy to centre the rewards on (default: the training completions)")
        Path reference;
        @Option(names = "--max-groups", defaultValue = "0", description = "use at most this many training groups, 0 = all (default: ${DEFAULT-VALUE})")
        int maxGroups;
        @Option(names = "--epochs", defaultValue = "1") int epochs;
        @Option(names = "--groups-per-batch", defaultValue = "8") int groupsPerBatch;
        @Option(names = "--lr", defaultValue = "1e-4") double lr;
        @Option(names = "--weight-decay", defaultValue = "0.0") double weightDecay;
        @Option(names = "--margin", defaultValue = "0.0", description = "m in -log sigmoid(r_w - r_l - m) (default: ${DEFAULT-VALUE})")
        double margin;
        @Option(names = "--max-length", defaultValue = "256", description = "tokens per prompt + completion, the last kept (default: ${DEFAULT-VALUE})")
        int maxLength;
        @Option(names = "--seed", defaultValue = "1") long seed;
        @Option(names = "--device", defaultValue = "cpu") String device;

        @Spec CommandSpec spec;

        @Override public Integer call() throws Exception {
            try (rlhf4j.transformer.run.RunLock lock = rlhf4j.transformer.run.RunLock.checkpointDirectory(out)) {   // one run per --out
                return train();
            }
        }

        private Integer train() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            Device dev = Device.parse(device);
            Backends.forDevice(dev);
            long t0 = System.nanoTime();
            List<PreferenceGroup> groups = loadGroups();
            List<PreferenceGroup> train = new ArrayList<>(), held = new ArrayList<>();
            for (PreferenceGroup g : groups) (heldOut(g.prompt().id(), heldOutPercent) ? held : train).add(g);
            if (maxGroups > 0 && train.size() > maxGroups) train = train.subList(0, maxGroups);
            if (train.isEmpty()) throw new IllegalArgumentException("no training groups left after holding out " + heldOutPercent + "%");
            err.printf(Locale.ROOT, "%d training groups (%d pairs), %d held out (%d pairs)%n", train.size(), pairs(train),
                    held.size(), pairs(held));

            List<String> corpus = new ArrayList<>();                              // --scratch: BPE and pretraining texts
            for (PreferenceGroup g : train) for (Completion c : g.completions()) corpus.add(g.prompt().text() + c.text());
            TrunkOptions.Trunk t = trunk.build(corpus, dev, seed, err);
            RewardModel model = RewardModel.create(t.model(), t.tokenizer(), maxLength, seed);
            var config = new RewardTrainer.Config(epochs, groupsPerBatch, lr, weightDecay, margin, 1.0, seed);
            ProgressBar[] bar = {null};
            List<RewardTrainer.Epoch> history = new RewardTrainer(model, config).train(train, held, new RewardTrainer.Listener() {
                @Override public void onStep(int epoch, int step, int steps, double loss) {
                    if (bar[0] == null) bar[0] = ProgressBar.on(err, "epoch " + epoch, steps);
                    bar[0].update(step, "loss " + TrunkOptions.fmt(loss));
                }

                @Override public void onEpoch(RewardTrainer.Epoch e) {
                    bar[0].finish();
                    bar[0] = null;
                    err.printf(Locale.ROOT, "epoch %d: train loss %.4f, held-out pairwise accuracy %.4f (loss %.4f), %.1f s%n",
                            e.epoch(), e.trainLoss(), e.heldOutAccuracy(), e.heldOutLoss(), e.seconds());
                }
            });

            List<int[]> ref = new ArrayList<>();
            if (reference != null) {
                if (!Files.isRegularFile(reference)) throw new NoSuchFileException(reference.toString(), null, "no such reference completions file");
                for (Completion c : Jsonl.read(reference, FeedbackJson.COMPLETION)) ref.add(refIds(model, c, null));
            } else {
                Map<String, int[]> unique = new LinkedHashMap<>();
                for (PreferenceGroup g : train) for (Completion c : g.completions()) unique.putIfAbsent(c.id(), refIds(model, c, g.prompt()));
                ref.addAll(unique.values());
            }
            RewardModel.Normalization n = model.normalize(ref);
            err.printf(Locale.ROOT, "centred on %d %s completions: mean %.4f removed, std %.4f%n", n.count(),
                    reference != null ? "reference" : "training", n.mean(), n.std());

            JsonObject extra = new JsonObject();
            extra.addProperty("trunk", t.source());
            extra.addProperty("training_groups", train.size());
            extra.addProperty("held_out_groups", held.size());
            extra.addProperty("margin", margin);
            JsonArray h = new JsonArray();
            for (var e : history) {
                JsonObject o = new JsonObject();
                o.addProperty("epoch", e.epoch());
                o.addProperty("train_loss", e.trainLoss());
                o.addProperty("held_out_accuracy", e.heldOutAccuracy());
                o.addProperty("held_out_loss", e.heldOutLoss());
                h.add(o);
            }
            extra.add("history", h);
            model.save(out, extra);
            err.printf(Locale.ROOT, "saved %s; held-out pairwise accuracy %.4f; total %.1f s%n", out,
                    history.getLast().heldOutAccuracy(), (System.nanoTime() - t0) / 1e9);
            return 0;
        }

        /** A completion's ids as scored: its own token ids (a sampled completion) or prompt + completion text. */
        private static int[] refIds(RewardModel m, Completion c, Prompt prompt) {
            return m.idsOf(new RewardFunction.Sample(prompt == null ? "" : prompt.text(), c.text(), null, null));
        }

        private static int pairs(List<PreferenceGroup> groups) { return groups.stream().mapToInt(g -> g.pairs().size()).sum(); }

        private List<PreferenceGroup> loadGroups() throws IOException {
            if (source.pairs != null) {
                if (!Files.isRegularFile(source.pairs)) throw new NoSuchFileException(source.pairs.toString(), null, "no such pairs file");
                return Jsonl.read(source.pairs, PreferenceGroup.JSON);
            }
            for (String f : new String[]{FeedbackData.PROMPTS_FILE, FeedbackData.COMPLETIONS_FILE, FeedbackData.JUDGEMENTS_FILE}) {
                Path p = source.dir.resolve(f);
                if (!Files.isRegularFile(p)) throw new NoSuchFileException(p.toString(), null, "missing from the feedback directory");
            }
            FeedbackData data = FeedbackData.readFrom(source.dir);
            return consensus.equals("none") ? PreferenceGroups.perJudgement(data)
                    : PreferenceGroups.consensus(data, ConsensusMethod.valueOf(consensus.toUpperCase(Locale.ROOT)));
        }
    }

    @Command(name = "score", mixinStandardHelpOptions = true,
            description = "Score completions with a reward model: one line per completion, id<TAB>reward (or the reward alone for plain text lines).")
    static final class Score implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "reward model directory (from reward train)")
        Path model;

        @Option(names = "--in", required = true, description = "completions JSONL, or plain text (one whole text a line)")
        Path in;

        @Option(names = "--prompts", description = "prompts JSONL whose texts precede the completions (default: prompts.jsonl beside --in, if there)")
        Path prompts;

        @Option(names = "--device", defaultValue = "cpu") String device;

        @Spec CommandSpec spec;

        @Override public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            if (!Files.isRegularFile(in)) throw new NoSuchFileException(in.toString(), null, "no such input file");
            if (prompts != null && !Files.isRegularFile(prompts)) throw new NoSuchFileException(prompts.toString(), null, "no such prompts file");
            RewardModel m = RewardModel.load(model, Device.parse(device));
            if (!in.toString().endsWith(".jsonl")) {
                List<RewardFunction.Sample> samples = new ArrayList<>();
                for (String line : Files.readAllLines(in, StandardCharsets.UTF_8)) samples.add(new RewardFunction.Sample("", line, null, null));
                for (float r : m.score(samples)) out.println(String.format(Locale.ROOT, "%.4f", r));
                return 0;
            }
            Path promptFile = prompts != null ? prompts : in.resolveSibling(FeedbackData.PROMPTS_FILE);
            Map<String, String> promptText = new LinkedHashMap<>();
            if (Files.isRegularFile(promptFile)) for (Prompt p : Jsonl.read(promptFile, FeedbackJson.PROMPT)) promptText.put(p.id(), p.text());
            List<Completion> completions = Jsonl.read(in, FeedbackJson.COMPLETION);
            List<RewardFunction.Sample> samples = new ArrayList<>();
            for (Completion c : completions) samples.add(new RewardFunction.Sample(promptText.getOrDefault(c.promptId(), ""), c.text(), null, null));
            float[] r = m.score(samples);
            for (int i = 0; i < r.length; i++) out.println(completions.get(i).id() + "\t" + String.format(Locale.ROOT, "%.4f", r[i]));
            return 0;
        }
    }
}
