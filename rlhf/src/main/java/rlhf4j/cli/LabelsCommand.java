package rlhf4j.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import rlhf4j.rlhf.consensus.ConsensusMethod;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.rlhf.feedback.HhRlhfImporter;
import rlhf4j.rlhf.feedback.ImportResult;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Jsonl;
import rlhf4j.rlhf.feedback.PandaLmImporter;
import rlhf4j.rlhf.feedback.ThumbsImporter;
import rlhf4j.rlhf.oracle.Oracles;
import rlhf4j.rlhf.stage.LabelStage;
import rlhf4j.rlhf.stage.OutputMode;
import rlhf4j.rlhf.stage.PairsStage;
import rlhf4j.rlhf.stage.StageContext;
import rlhf4j.tensor.Device;

/** {@code rlhf4j labels ...}: import, simulate, measure and convert feedback data. */
@Command(name = "labels", mixinStandardHelpOptions = true,
        description = "Feedback data: import public sets, simulate labelers, agreement statistics, preference pairs.",
        subcommands = {LabelsCommand.Stats.class, LabelsCommand.Import.class, LabelsCommand.Pairs.class,
                LabelsCommand.Simulate.class})
final class LabelsCommand implements Callable<Integer> {
    @Override public Integer call() {
        CommandLine.usage(this, System.out);
        return 0;
    }

    static List<Judgement> readJudgements(List<Path> files, boolean lenient) throws Exception {
        List<Judgement> all = new ArrayList<>();
        for (Path f : files) {
            if (!Files.isRegularFile(f)) throw new java.nio.file.NoSuchFileException(f.toString(), null, "no such judgements file");
            if (lenient) {
                var result = Jsonl.readLenient(f, FeedbackJson.JUDGEMENT);
                all.addAll(result.records());
                result.errors().forEach(e -> System.err.println("skipped " + e.getMessage()));
            } else {
                all.addAll(Jsonl.read(f, FeedbackJson.JUDGEMENT));
            }
        }
        return all;
    }

    @Command(name = "stats", mixinStandardHelpOptions = true,
            description = "Agreement statistics of judgements files (what labels simulate writes to agreement.txt): pairwise "
                    + "agreement, Fleiss' kappa, Kendall's tau-b, and each labeler's agreement with the consensus.")
    static final class Stats implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "FILE", description = "judgements JSONL files")
        List<Path> files;

        @Option(names = "--method", defaultValue = "borda", description = "consensus: borda or copeland (default: ${DEFAULT-VALUE})")
        String method;

        @Option(names = "--threshold", defaultValue = "0.6",
                description = "flag labelers agreeing with the consensus on fewer pairs than this (default: ${DEFAULT-VALUE})")
        double threshold;

        @Option(names = "--lenient", description = "skip malformed lines (reported) instead of stopping")
        boolean lenient;

        @Spec CommandSpec spec;

        @Override public Integer call() throws Exception {
            ConsensusMethod consensus = consensus(method, "--method");
            var reports = LabelStage.agreement(readJudgements(files, lenient), consensus, threshold);
            spec.commandLine().getOut().print(LabelStage.format(reports));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Convert a public data set to prompts.jsonl, completions.jsonl and judgements.jsonl in a new directory.")
    static final class Import implements Callable<Integer> {
        @Option(names = "--format", required = true, description = "hh (Anthropic HH-RLHF), pandalm, or thumbs")
        String format;

        @Option(names = "--in", required = true, description = "the source file")
        Path in;

        @Option(names = "--out", required = true, description = "output directory (must not hold feedback files yet)")
        Path out;

        @Option(names = "--criterion", description = "criterion of the judgements (default: harmlessness for hh, helpfulness otherwise)")
        String criterion;

        @Option(names = "--labeler", defaultValue = "thumbs", description = "thumbs: labeler of lines without one (default ${DEFAULT-VALUE})")
        String labeler;

        @Override public Integer call() throws Exception {
            for (String name : List.of(FeedbackData.PROMPTS_FILE, FeedbackData.COMPLETIONS_FILE, FeedbackData.JUDGEMENTS_FILE)) {
                if (Files.exists(out.resolve(name))) {
                    System.err.println(out.resolve(name) + " exists; importing would append to it. Choose a new --out.");
                    return 2;
                }
            }
            ImportResult result = switch (format) {
                case "hh" -> new HhRlhfImporter(criterion != null ? criterion : "harmlessness", "hh").importFile(in);
                case "pandalm" -> new PandaLmImporter(criterion != null ? criterion : "helpfulness").importFile(in);
                case "thumbs" -> new ThumbsImporter(labeler, criterion != null ? criterion : "helpfulness").importFile(in);
                default -> throw new CommandLine.ParameterException(new CommandLine(this),
                        "unknown --format " + format + " (hh, pandalm or thumbs)");
            };
            result.data().appendTo(out);
            System.out.printf("read %d records, skipped %d; wrote %d prompts, %d completions, %d judgements to %s%n",
                    result.read(), result.skipped(), result.data().prompts().size(), result.data().completions().size(),
                    result.data().judgements().size(), out);
            result.problems().stream().limit(10).forEach(p -> System.out.println("  " + p));
            if (result.problems().size() > 10) System.out.println("  ... " + (result.problems().size() - 10) + " more");
            return 0;
        }
    }

    @Command(name = "pairs", mixinStandardHelpOptions = true,
            description = "Turn rankings into reward-model training groups (groups.jsonl): per item, the prompt, its K "
                    + "completions once and all (winner, loser) index pairs (ties give none).")
    static final class Pairs implements Callable<Integer> {
        @Option(names = "--dir", required = true, description = "directory with prompts.jsonl, completions.jsonl, judgements.jsonl")
        Path dir;

        @Option(names = "--consensus", defaultValue = "none",
                description = "none (one group per judgement), borda or copeland (one group per item) (default: ${DEFAULT-VALUE})")
        String consensus;

        @Option(names = "--out", description = "output directory for groups.jsonl (default: --dir)")
        Path out;

        @Option(names = "--overwrite", description = "replace an existing groups.jsonl (default: refuse)")
        boolean overwrite;

        @Option(names = "--agreement-margins",
                description = "with --consensus borda|copeland: write each pair as [w, l, m], m = (labelers for - against) / labelers (ties count for neither)")
        boolean agreementMargins;

        private final PrintStream err;

        Pairs() { this(System.err); }

        Pairs(PrintStream err) { this.err = err; }

        @Override public Integer call() throws Exception {
            Path target = out != null ? out : dir;
            CliOutputs.requireDirectory(target, "--out");
            PairsStage.Config config = PairsStage.Config.parse(consensus);
            if (agreementMargins && config.consensus() == null)
                throw new IllegalArgumentException("--agreement-margins needs --consensus borda or copeland (one judgement alone has no agreement)");
            config = config.withAgreementMargins(agreementMargins);
            FeedbackData data = FeedbackData.readFrom(dir);
            new PairsStage(config, new StageContext(err, Device.CPU, OutputMode.of(overwrite))).run(data, target);
            return 0;
        }
    }

    @Command(name = "simulate", mixinStandardHelpOptions = true,
            description = {"Simulated labelers: an oracle with Bradley-Terry noise (one labeler per --temperature), plus "
                    + "optional random labelers.", "Writes judgements.jsonl, agreement.txt and agreement.json."})
    static final class Simulate implements Callable<Integer> {
        @Option(names = "--dir", required = true, description = "directory with prompts.jsonl and completions.jsonl")
        Path dir;

        @Option(names = "--oracle", required = true, description = "the oracle: " + Oracles.CHOICES)
        String oracle;

        @Option(names = "--criterion", required = true, description = "criterion written into the judgements")
        String criterion;

        @Option(names = "--temperature", split = ",", defaultValue = "0.5",
                description = "one simulated labeler per temperature, e.g. 0.1,0.5,1 (default: ${DEFAULT-VALUE})")
        List<Double> temperatures;

        @Option(names = "--random", defaultValue = "0", description = "how many random labelers to add (default: ${DEFAULT-VALUE})")
        int random;

        @Option(names = "--seed", defaultValue = "1",
                description = "seed of the first labeler; labeler i gets seed + i, random labeler i seed + 1000 + i (default: ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--consensus", defaultValue = "borda",
                description = "consensus the agreement statistics compare with: borda or copeland (default: ${DEFAULT-VALUE})")
        String consensus;

        @Option(names = "--threshold", defaultValue = "0.6",
                description = "flag labelers agreeing with the consensus on fewer pairs than this (default: ${DEFAULT-VALUE})")
        double threshold;

        @Option(names = "--out", description = "output directory for judgements.jsonl and the agreement files (default: --dir)")
        Path out;

        @Option(names = "--overwrite", description = "replace existing judgements and agreement files (default: refuse)")
        boolean overwrite;

        private final PrintStream err;

        Simulate() { this(System.err); }

        Simulate(PrintStream err) { this.err = err; }

        @Override public Integer call() throws Exception {
            Path target = out != null ? out : dir;
            CliOutputs.requireDirectory(target, "--out");
            var simulated = new LabelStage.Simulated(oracle, Oracles.byName(oracle), temperatures, random, criterion, seed);
            var config = new LabelStage.Config(simulated, null, consensus(consensus, "--consensus"), threshold);
            var prompts = Jsonl.read(dir.resolve(FeedbackData.PROMPTS_FILE), FeedbackJson.PROMPT);
            var completions = Jsonl.read(dir.resolve(FeedbackData.COMPLETIONS_FILE), FeedbackJson.COMPLETION);
            var r = new LabelStage(config, new StageContext(err, Device.CPU, OutputMode.of(overwrite))).run(prompts, completions, target);
            err.printf("%d judgements -> %s%n", r.count(), r.judgements());
            return 0;
        }
    }

    /** borda or copeland, named by the flag otherwise. */
    static ConsensusMethod consensus(String name, String flag) {
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "borda" -> ConsensusMethod.BORDA;
            case "copeland" -> ConsensusMethod.COPELAND;
            default -> throw new IllegalArgumentException(flag + " " + name + ": expected borda or copeland");
        };
    }
}
