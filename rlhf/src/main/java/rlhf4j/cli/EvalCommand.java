package rlhf4j.cli;

import com.google.gson.GsonBuilder;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import rlhf4j.rlhf.eval.Evaluation;
import rlhf4j.rlhf.oracle.TextScorer;
import rlhf4j.rlhf.ppo.Checkpoints;
import rlhf4j.rlhf.report.Reports;
import rlhf4j.rlhf.report.Summary;
import rlhf4j.rlhf.reward.RewardFunction;
import rlhf4j.tensor.Backends;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.Models;
import rlhf4j.transformer.TransformerModel;

/**
 * Reference vs trained policy on held-out prompts: reward, gold score, toxicity (with a classifier), KL to the
 * reference, win rate, samples side by side. With {@code --out RUN_DIR} the results go to {@code eval.json} and
 * {@code eval_samples.jsonl}, and {@code summary.json} / {@code report.html} are rewritten with them.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Compare a trained policy with its reference on held-out prompts.")
public final class EvalCommand implements Callable<Integer> {
    @Option(names = "--policy", required = true, description = "the reference (starting) checkpoint")
    Path policy;
    @Option(names = "--trained", required = true, description = "a PPO run directory, one of its checkpoints, or any checkpoint")
    Path trained;
    @Option(names = "--tokenizer", description = "llama2.c tokenizer .bin (Llama) or vocab.json / its directory (GPT-2)")
    Path tokenizer;
    @Option(names = "--reward", required = true, description = "rm:DIR | classifier:DIR:CLASS | oracle:vader|afinn")
    String reward;
    @Option(names = "--gold", description = "gold scorer, oracle:vader or oracle:afinn")
    String gold;
    @Option(names = "--toxicity", description = "toxicity classifier (classifier:DIR:CLASS)")
    String toxicity;
    @Option(names = "--prompts", required = true, description = "text file, .jsonl with \"prompt\", or 'tinystories'")
    String prompts;
    @Option(names = "--prompt-words", defaultValue = "8", description = "(default: ${DEFAULT-VALUE})") int promptWords;
    @Option(names = "--skip-prompts", defaultValue = "0", description = "e.g. the prompts used for training (default: ${DEFAULT-VALUE})") int skipPrompts;
    @Option(names = "--max-prompts", defaultValue = "64", description = "0 = all (default: ${DEFAULT-VALUE})") int maxPrompts;
    @Option(names = "--max-new-tokens", defaultValue = "48", description = "(default: ${DEFAULT-VALUE})") int maxNewTokens;
    @Option(names = "--temperature", defaultValue = "1.0", description = "(default: ${DEFAULT-VALUE})") double temperature;
    @Option(names = "--seed", defaultValue = "4321", description = "(default: ${DEFAULT-VALUE})") long seed;
    @Option(names = "--device", defaultValue = "cpu", description = "(default: ${DEFAULT-VALUE})") String device;
    @Option(names = "--out", description = "run directory to write eval.json into and whose summary and report to update")
    Path out;
    @Option(names = "--rm-val-accuracy", description = "for summary.json") Double rmValAccuracy;
    @Option(names = "--agreement-pairwise", description = "for summary.json") Double agreementPairwise;
    @Option(names = "--fleiss-kappa", description = "for summary.json") Double fleissKappa;

    private final PrintStream err;

    public EvalCommand() { this(System.err); }

    EvalCommand(PrintStream err) { this.err = err; }

    @Override public Integer call() throws Exception {
        Device dev = Device.parse(device);
        Backends.forDevice(dev);
        TransformerModel reference = Models.load(policy, dev);
        TransformerModel model = loadTrained(dev);
        PolicySetup.Codec codec = PolicySetup.codec(policy, tokenizer, reference);
        List<int[]> ids = codec.encodeAll(PolicySetup.prompts(prompts, promptWords, skipPrompts, maxPrompts));
        RewardFunction rf = PolicySetup.reward(reward);
        TextScorer goldScorer = gold == null ? null : PolicySetup.scorer(gold);
        TextScorer toxic = toxicity == null ? null : toxicityScorer(toxicity);
        Evaluation.Result r = Evaluation.run(reference, model, codec.tokenizer(), codec.stopToken(), ids, rf, goldScorer, toxic,
                new Evaluation.Settings(maxNewTokens, temperature, seed, 16));
        print(r);
        if (out != null) {
            Files.createDirectories(out);
            var gson = new GsonBuilder().setPrettyPrinting().serializeNulls().serializeSpecialFloatingPointValues().disableHtmlEscaping().create();
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("reference", strip(r.reference()));
            json.put("trained", strip(r.trained()));
            json.put("win_rate", r.winRate());
            json.put("win_rate_by", r.winRateBy());
            json.put("prompts", ids.size());
            Files.writeString(out.resolve("eval.json"), gson.toJson(json) + "\n", StandardCharsets.UTF_8);
            StringBuilder lines = new StringBuilder();
            var compact = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();
            for (Evaluation.SampleRow s : r.samples()) lines.append(compact.toJson(s)).append('\n');
            Files.writeString(out.resolve("eval_samples.jsonl"), lines.toString(), StandardCharsets.UTF_8);
            Summary extra = new Summary(null, null, null, null, null, null, null, null, rmValAccuracy, agreementPairwise, fleissKappa, null, null);
            Map<String, Object> config = new LinkedHashMap<>();
            Path cfg = out.resolve("config.json");
            if (Files.exists(cfg)) config.putAll(new com.google.gson.Gson().fromJson(Files.readString(cfg), Map.class));
            config.put("eval prompts", prompts + " (skip " + skipPrompts + ", " + ids.size() + " used)");
            Reports.write(out, "PPO run " + out.getFileName(), config, r, extra);
            err.println("wrote " + out.resolve("eval.json") + ", summary.json and report.html");
        }
        return 0;
    }

    private TransformerModel loadTrained(Device dev) throws Exception {
        Path ckpt = null;
        if (Files.isRegularFile(trained.resolve(Checkpoints.POLICY))) ckpt = trained;
        else if (Files.isDirectory(trained.resolve("checkpoints"))) {
            ckpt = new Checkpoints(trained).latest();
            if (ckpt == null) throw new IllegalArgumentException(trained + " has no complete checkpoint");
        }
        if (ckpt == null) return Models.load(trained, dev);
        TransformerModel m = Models.load(policy, dev);                 // same architecture, then the trained trunk
        Checkpoints.loadPolicyTrunk(ckpt, m);
        return m;
    }

    private static TextScorer toxicityScorer(String spec) {
        throw new IllegalArgumentException("--toxicity " + spec + ": classifiers are loaded by rlhf4j.rlhf.reward, which this build does not have yet");
    }

    private static Map<String, Object> strip(Evaluation.Side s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reward", s.reward());
        m.put("gold", s.gold());
        m.put("toxicity", s.toxicity());
        m.put("kl_to_reference", s.klToReference());
        m.put("mean_length", s.meanLength());
        return m;
    }

    private void print(Evaluation.Result r) {
        for (Evaluation.Side s : List.of(r.reference(), r.trained()))
            err.printf(Locale.ROOT, "%-9s reward %s  gold %s  toxicity %s  KL %s  length %.1f%n", s.name(), ms(s.reward()), ms(s.gold()),
                    ms(s.toxicity()), ms(s.klToReference()), s.meanLength());
        err.printf(Locale.ROOT, "win rate of the trained policy by %s: %.3f%n", r.winRateBy(), r.winRate());
        for (Evaluation.SampleRow s : r.samples().subList(0, Math.min(3, r.samples().size())))
            err.printf("prompt: %s%n  reference: %s%n  trained:   %s%n", s.prompt(), s.reference(), s.trained());
    }

    private static String ms(Evaluation.MeanStd m) {
        return m == null ? "—" : String.format(Locale.ROOT, "%.4f ± %.4f", m.mean(), m.std());
    }
}
