package rlhf4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import rlhf4j.rlhf.consensus.AgreementReport;
import rlhf4j.rlhf.consensus.ConsensusMethod;
import rlhf4j.rlhf.consensus.PreferenceGroup;
import rlhf4j.rlhf.consensus.PreferenceGroups;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.rlhf.feedback.HhRlhfImporter;
import rlhf4j.rlhf.feedback.ImportResult;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Jsonl;
import rlhf4j.rlhf.feedback.JsonlWriter;
import rlhf4j.rlhf.feedback.PandaLmImporter;
import rlhf4j.rlhf.feedback.ThumbsImporter;
import rlhf4j.rlhf.label.Labeler;
import rlhf4j.rlhf.label.LabelItem;
import rlhf4j.rlhf.label.RandomLabeler;
import rlhf4j.rlhf.label.SimulatedLabeler;
import rlhf4j.rlhf.label.SimulatedLabeling;
import rlhf4j.rlhf.oracle.Oracles;
import rlhf4j.rlhf.oracle.TextScorer;

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
            description = "Agreement statistics of judgements files: pairwise agreement, Fleiss' kappa, Kendall's "
                    + "tau-b, and each labeler's agreement with the consensus.")
    static final class Stats implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "FILE", description = "judgements JSONL files")
        List<Path> files;

        @Option(names = "--method", defaultValue = "borda", description = "consensus: borda or copeland (default ${DEFAULT-VALUE})")
        String method;

        @Option(names = "--threshold", defaultValue = "0.6",
                description = "flag labelers agreeing with the consensus on fewer pairs than this (default ${DEFAULT-VALUE})")
        double threshold;

        @Option(names = "--lenient", description = "skip malformed lines (reported) instead of stopping")
        boolean lenient;

        @Override public Integer call() throws Exception {
            var method = ConsensusMethod.valueOf(this.method.toUpperCase(Locale.ROOT));
            for (AgreementReport r : AgreementReport.of(readJudgements(files, lenient), method, threshold)) {
                System.out.print(r.format());
            }
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
            description = "Turn rankings into reward-model training groups: per item, the prompt, its K completions "
                    + "once and all (winner, loser) index pairs (ties give none).")
    static final class Pairs implements Callable<Integer> {
        @Option(names = "--dir", required = true, description = "directory with prompts.jsonl, completions.jsonl, judgements.jsonl")
        Path dir;

        @Option(names = "--consensus", defaultValue = "none",
                description = "none (one group per judgement), borda or copeland (one group per item) (default ${DEFAULT-VALUE})")
        String consensus;

        @Option(names = "--out", required = true, description = "groups JSONL file (appended to)")
        Path out;

        @Override public Integer call() throws Exception {
            FeedbackData data = FeedbackData.readFrom(dir);
            List<PreferenceGroup> groups = consensus.equals("none") ? PreferenceGroups.perJudgement(data)
                    : PreferenceGroups.consensus(data, ConsensusMethod.valueOf(consensus.toUpperCase(Locale.ROOT)));
            JsonlWriter.appendAll(out, PreferenceGroup.JSON, groups);
            System.out.printf("%d groups, %d pairs -> %s%n", groups.size(),
                    groups.stream().mapToInt(g -> g.pairs().size()).sum(), out);
            return 0;
        }
    }

    @Command(name = "simulate", mixinStandardHelpOptions = true,
            description = "Simulated labelers: an oracle TextScorer with Bradley-Terry noise (one labeler per "
                    + "--temperature), plus optional random labelers. Appends judgements.")
    static final class Simulate implements Callable<Integer> {
        @Option(names = "--dir", required = true, description = "directory with prompts.jsonl and completions.jsonl")
        Path dir;

        @Option(names = "--oracle", required = true,
                description = "vader, afinn, or the class name of a rlhf4j.rlhf.oracle.TextScorer with a no-argument constructor")
        String oracle;

        @Option(names = "--criterion", required = true, description = "criterion written into the judgements")
        String criterion;

        @Option(names = "--temperature", split = ",", defaultValue = "0.5",
                description = "one simulated labeler per temperature, e.g. 0.1,0.5,1 (default ${DEFAULT-VALUE})")
        List<Double> temperatures;

        @Option(names = "--random", defaultValue = "0", description = "how many random labelers to add (default ${DEFAULT-VALUE})")
        int random;

        @Option(names = "--seed", defaultValue = "1", description = "base seed (default ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--out", description = "judgements file (default: judgements.jsonl in --dir)")
        Path out;

        @Override public Integer call() throws Exception {
            TextScorer scorer = Oracles.byName(oracle);
            FeedbackData data = FeedbackData.readFrom(dir);
            List<Labeler> labelers = new ArrayList<>();
            for (int i = 0; i < temperatures.size(); i++) {
                double t = temperatures.get(i);
                labelers.add(new SimulatedLabeler("sim-" + scorer.name() + "-T" + t, criterion, scorer, t, seed + i));
            }
            for (int i = 0; i < random; i++) labelers.add(new RandomLabeler("random-" + (i + 1), criterion, seed + 1000 + i));
            List<Judgement> judgements = SimulatedLabeling.label(LabelItem.of(data.prompts(), data.completions()), labelers);
            Path file = out != null ? out : dir.resolve(FeedbackData.JUDGEMENTS_FILE);
            JsonlWriter.appendAll(file, FeedbackJson.JUDGEMENT, judgements);
            System.out.printf("%d judgements by %d labelers -> %s%n", judgements.size(), labelers.size(), file);
            return 0;
        }
    }
}
