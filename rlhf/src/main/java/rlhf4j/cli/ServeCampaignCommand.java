package rlhf4j.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.Ranking;
import rlhf4j.rlhf.label.Instructions;
import rlhf4j.rlhf.serve.CampaignFiles;
import rlhf4j.rlhf.serve.CampaignStatistics;
import rlhf4j.rlhf.serve.LabelingService.Campaign;
import rlhf4j.rlhf.serve.LabelingService.CampaignSpec;
import rlhf4j.rlhf.serve.SqliteLabelingService;
import rlhf4j.rlhf.stage.OutputMode;

/** {@code rlhf4j serve campaign ...}: labeling campaigns in a labeling database, from the command line. */
@Command(name = "campaign", mixinStandardHelpOptions = true,
        description = "Labeling campaigns: create one from sampled completions or feedback data, add data, export, statistics.",
        subcommands = {ServeCampaignCommand.Create.class, ServeCampaignCommand.Import.class, ServeCampaignCommand.Export.class,
                ServeCampaignCommand.Stats.class, ServeCampaignCommand.ListCampaigns.class})
public final class ServeCampaignCommand implements Callable<Integer> {
    @Override public Integer call() {
        CommandLine.usage(this, System.out);
        return 0;
    }

    /** --db, shared by the subcommands. */
    static final class Database {
        @Option(names = "--db", required = true, paramLabel = "FILE", description = "the labeling database (SQLite)")
        Path db;

        /** Opens the database, which must exist unless {@code create}. */
        SqliteLabelingService open(boolean create) throws NoSuchFileException {
            if (!create && !Files.isRegularFile(db)) throw new NoSuchFileException(db.toString(), null, "no such labeling database (--db)");
            return SqliteLabelingService.open(db);
        }

        /** A campaign by name, else by number. */
        static Campaign campaign(SqliteLabelingService service, String nameOrId) {
            var byName = service.campaign(nameOrId);
            if (byName.isPresent()) return byName.get();
            if (nameOrId.matches("\\d{1,18}")) {
                var byId = service.campaign(Long.parseLong(nameOrId));
                if (byId.isPresent()) return byId.get();
            }
            throw new IllegalArgumentException("--campaign " + nameOrId + ": no such campaign in the database");
        }
    }

    /** --from and --format, shared by create and import. */
    static final class Source {
        @Option(names = "--from", required = true, paramLabel = "PATH",
                description = "a sample output or feedback directory (prompts.jsonl, completions.jsonl), or a file in --format")
        Path from;

        @Option(names = "--format", defaultValue = "feedback",
                description = "--from's format: feedback (a directory), hh, pandalm or thumbs (default: ${DEFAULT-VALUE})")
        String format;

        FeedbackData read(String criterion, PrintStream err) throws Exception {
            return CampaignFiles.read(from, CampaignFiles.SourceFormat.parse(format, "--format"), criterion, err);
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a campaign from sampled completions or feedback data.")
    static final class Create implements Callable<Integer> {
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Mixin Database database;
        @Mixin Source source;

        @Option(names = "--name", required = true, description = "the campaign's name (unique in the database)")
        String name;

        @Option(names = "--criterion", defaultValue = "helpfulness",
                description = "helpfulness, harmlessness, honesty or your own (default: ${DEFAULT-VALUE})")
        String criterion;

        @Option(names = "--instructions", paramLabel = "FILE.md", description = "Markdown instructions (default: the criterion's built-in ones)")
        Path instructions;

        @Option(names = "-k", defaultValue = "4", description = "completions shown per item (default: ${DEFAULT-VALUE})")
        int k;

        @Option(names = "--labelers-per-item", defaultValue = "3", description = "distinct labelers per item, N (default: ${DEFAULT-VALUE})")
        int labelersPerItem;

        @Option(names = "--lease", defaultValue = "30m", description = "how long an item stays reserved for its labeler (default: ${DEFAULT-VALUE})")
        String lease;

        @Option(names = "--gold", paramLabel = "FILE", description = "judgements JSONL of known answers for screening labelers")
        Path gold;

        @Override public Integer call() throws Exception {
            String text = instructions != null ? Files.readString(requireFile(instructions, "--instructions")) : Instructions.defaultFor(criterion);
            Map<String, Ranking> answers = gold != null ? CampaignFiles.readGold(gold) : Map.of();
            var campaignSpec = new CampaignSpec(name, criterion, text, k, labelersPerItem, CampaignFiles.parseDuration(lease, "--lease"), answers);
            FeedbackData data = source.read(criterion, System.err);
            try (var service = database.open(true)) {
                Campaign c = service.createCampaign(campaignSpec, data);
                spec.commandLine().getOut().printf("campaign %s (id %d): %d items, %d labelers each, %d gold%n", c.spec().name(), c.id(), c.items(),
                        c.spec().labelersPerItem(), c.spec().gold().size());
                if (!data.judgements().isEmpty())
                    spec.commandLine().getOut().printf("the source's %d judgements were not added; add them with 'serve campaign import'%n", data.judgements().size());
            }
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Add items (prompts the campaign lacks) and judgements from sampled completions or feedback data.")
    static final class Import implements Callable<Integer> {
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Mixin Database database;
        @Mixin Source source;

        @Option(names = "--campaign", required = true, description = "the campaign's name or id")
        String campaign;

        @Override public Integer call() throws Exception {
            try (var service = database.open(false)) {
                Campaign c = Database.campaign(service, campaign);
                FeedbackData data = source.read(c.spec().criterion(), System.err);
                int items = service.addItems(c.id(), data);
                var summary = service.importJudgements(c.id(), data.judgements());
                spec.commandLine().getOut().printf("campaign %s: %d items added, %d judgements added, %d already there, %d skipped%n",
                        c.spec().name(), items, summary.added(), summary.alreadyThere(), summary.skipped().size());
                summary.skipped().stream().limit(10).forEach(p -> spec.commandLine().getOut().println("  " + p));
            }
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Export a campaign's judgements: feedback JSONL (for labels pairs and reward train) or TRL preferences.")
    static final class Export implements Callable<Integer> {
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Mixin Database database;

        @Option(names = "--campaign", required = true, description = "the campaign's name or id")
        String campaign;

        @Option(names = "--format", defaultValue = "feedback",
                description = "feedback (a directory of prompts, completions, judgements) or trl ({prompt, chosen, rejected} JSONL) (default: ${DEFAULT-VALUE})")
        String format;

        @Option(names = "--out", required = true, description = "feedback: the output directory; trl: the output file (a directory gets "
                + CampaignFiles.TRL_FILE + ")")
        Path out;

        @Option(names = "--consensus", defaultValue = "borda", description = "trl: how an item's rankings become one: borda or copeland (default: ${DEFAULT-VALUE})")
        String consensus;

        @Option(names = "--overwrite", description = "replace existing output files (default: refuse)")
        boolean overwrite;

        @Override public Integer call() throws Exception {
            var method = LabelsCommand.consensus(consensus, "--consensus");
            boolean trl = switch (format.strip().toLowerCase(java.util.Locale.ROOT)) {
                case "trl" -> true;
                case "feedback" -> false;
                default -> throw new IllegalArgumentException("--format " + format + ": expected feedback or trl");
            };
            try (var service = database.open(false)) {
                Campaign c = Database.campaign(service, campaign);
                FeedbackData data = service.export(c.id());
                if (trl) {
                    Path file = Files.isDirectory(out) ? out.resolve(CampaignFiles.TRL_FILE) : out;
                    int n = CampaignFiles.writeTrl(data, method, file, OutputMode.of(overwrite), System.err);
                    spec.commandLine().getOut().printf("%d preferences -> %s%n", n, file);
                } else {
                    CampaignFiles.writeFeedback(data, out, OutputMode.of(overwrite), System.err);
                    spec.commandLine().getOut().printf("%d prompts, %d completions, %d judgements -> %s%n", data.prompts().size(),
                            data.completions().size(), data.judgements().size(), out);
                }
            }
            return 0;
        }
    }

    @Command(name = "stats", mixinStandardHelpOptions = true,
            description = "Progress, agreement (as labels stats prints it, with Krippendorff's alpha) and each labeler's figures.")
    static final class Stats implements Callable<Integer> {
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Mixin Database database;

        @Option(names = "--campaign", required = true, description = "the campaign's name or id")
        String campaign;

        @Option(names = "--method", defaultValue = "borda", description = "consensus: borda or copeland (default: ${DEFAULT-VALUE})")
        String method;

        @Option(names = "--threshold", defaultValue = "0.6",
                description = "flag labelers below this agreement with the consensus or gold accuracy (default: ${DEFAULT-VALUE})")
        double threshold;

        @Override public Integer call() throws Exception {
            var consensus = LabelsCommand.consensus(method, "--method");
            try (var service = database.open(false)) {
                spec.commandLine().getOut().print(CampaignStatistics.format(service.stats(Database.campaign(service, campaign).id(), consensus, threshold)));
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The campaigns of a labeling database and their progress.")
    static final class ListCampaigns implements Callable<Integer> {
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Mixin Database database;

        @Override public Integer call() throws Exception {
            try (var service = database.open(false)) {
                for (Campaign c : service.campaigns()) {
                    spec.commandLine().getOut().printf("%d  %s  %s  %d/%d items done  N=%d  k=%d%n", c.id(), c.spec().name(), c.spec().criterion(),
                            c.itemsDone(), c.items(), c.spec().labelersPerItem(), c.spec().k());
                }
            }
            return 0;
        }
    }

    static Path requireFile(Path file, String flag) throws NoSuchFileException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "no such file (" + flag + ")");
        return file;
    }
}
