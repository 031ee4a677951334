package rlhf4j.cli;

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
import rlhf4j.rlhf.consensus.PreferenceGroup;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.rlhf.feedback.Jsonl;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.reward.RewardFunction;
import rlhf4j.rlhf.reward.RewardModel;
import rlhf4j.rlhf.stage.RewardModelStage;
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

    /** Texts of a file: completions JSONL (their "text"), or plain text, one per line. */
    static List<String> readTexts(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "no such input file");
        List<String> texts = new ArrayList<>();
        if (file.toString().endsWith(".jsonl")) for (Completion c : Jsonl.read(file, FeedbackJson.COMPLETION)) texts.add(c.text());
        else texts.addAll(Files.readAllLines(file, StandardCharsets.UTF_8));
        return texts;
    }

    static final class Source {
        @Option(names = "--pairs", required = true, description = "groups JSONL (from labels pairs)")
        Path pairs;

        @Option(names = "--dir", required = true, description = "feedback directory (prompts.jsonl, completions.jsonl, judgements.jsonl)")
        Path dir;
    }

    @Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Train a reward model (trunk + scalar head at the last token) with the Bradley-Terry loss on K-way groups.")
    static final class Train implements Callable<Integer> {
        @ArgGroup(exclusive = true, multiplicity = "1") Source source;

        @Option(names = "--consensus", defaultValue = "none",
                description = "--dir: none (one group per judgement), borda or copeland (default: ${DEFAULT-VALUE})")
        String consensus;

        @Option(names = "--out", required = true, description = "directory to write the reward model to (then --reward rm:OUT)")
        Path out;

        @Mixin TrunkOptions trunk = new TrunkOptions();

        @Option(names = "--held-out", defaultValue = "20", description = "percent of prompts held out for pairwise accuracy, by id hash (default: ${DEFAULT-VALUE})")
        int heldOutPercent;
        @Option(names = "--reference", description = "completions JSONL of the reference policy to centre the rewards on (default: the training completions)")
        Path reference;
        @Option(names = "--max-groups", defaultValue = "0", description = "use at most this many training groups, 0 = all (default: ${DEFAULT-VALUE})")
        int maxGroups;
        @Option(names = "--epochs", defaultValue = "1", description = "(default: ${DEFAULT-VALUE})") int epochs;
        @Option(names = "--groups-per-batch", defaultValue = "8", description = "(default: ${DEFAULT-VALUE})") int groupsPerBatch;
        @Option(names = "--lr", defaultValue = "1e-4", description = "AdamW learning rate (default: ${DEFAULT-VALUE})") double lr;
        @Option(names = "--weight-decay", defaultValue = "0.0", description = "AdamW decay of the matrices (default: ${DEFAULT-VALUE})") double weightDecay;
        @Option(names = "--margin", defaultValue = "0.0", description = "m0 in -log sigmoid(r_w - r_l - m0 - k*m_i), for every pair (default: ${DEFAULT-VALUE})")
        double margin;
        @Option(names = "--label-margin", defaultValue = "1.0",
                description = "k: weight of the margin m_i a pair's label carries ([w, l, m] in --pairs, or --agreement-margins); 0 ignores them (default: ${DEFAULT-VALUE})")
        double labelMargin;
        @Option(names = "--agreement-margins",
                description = "--dir with --consensus borda|copeland: each pair's margin m_i = (labelers for - against) / labelers, ties counting for neither (PandaLM's ties lower it)")
        boolean agreementMargins;
        @Option(names = "--center-rewards-coefficient", defaultValue = "0.0",
                description = "c of the centring term c*(r_w + r_l)^2 (TRL's center_rewards_coefficient), 0 = off (default: ${DEFAULT-VALUE})")
        double centring;
        @Option(names = "--normalize",
                description = "save mean and std of the rewards of the training completions; rm:OUT then scores (r - mean) / std")
        boolean normalize;
        @Option(names = "--max-length", defaultValue = "256", description = "tokens per prompt + completion, the last kept (default: ${DEFAULT-VALUE})")
        int maxLength;
        @Option(names = "--seed", defaultValue = "1", description = "(default: ${DEFAULT-VALUE})") long seed;
        @Mixin StageOptions stage = new StageOptions();

        RewardModelStage.Config config() {
            return new RewardModelStage.Config(trunk.source(),
                    new RewardModelStage.Training(epochs, groupsPerBatch, lr, weightDecay, margin, maxLength, labelMargin, centring),
                    new RewardModelStage.Data(heldOutPercent, maxGroups, reference, normalize), seed);
        }

        @Override public Integer call() throws Exception {
            RewardModelStage.Config cfg = config();
            if (agreementMargins && source.pairs != null)
                throw new IllegalArgumentException("--agreement-margins needs --dir (the judgements); a --pairs file carries its margins as [w, l, m]");
            List<PreferenceGroup> groups = source.pairs != null ? RewardModelStage.readGroups(source.pairs)
                    : RewardModelStage.feedbackGroups(source.dir, consensus, agreementMargins);
            try (var lock = rlhf4j.transformer.run.RunLock.checkpointDirectory(out)) {   // one run per --out
                new RewardModelStage(cfg, stage.context()).run(groups, out);
            }
            return 0;
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

        @Option(names = "--device", defaultValue = "cpu", description = "(default: ${DEFAULT-VALUE})") String device;

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
