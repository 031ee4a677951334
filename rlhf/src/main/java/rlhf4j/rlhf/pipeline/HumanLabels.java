package rlhf4j.rlhf.pipeline;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.JsonlWriter;
import rlhf4j.rlhf.label.Instructions;
import rlhf4j.rlhf.label.LabelItem;
import rlhf4j.rlhf.label.SimulatedLabeler;
import rlhf4j.rlhf.oracle.Oracles;
import rlhf4j.rlhf.oracle.TextScorer;
import rlhf4j.rlhf.serve.LabelingService.Account;
import rlhf4j.rlhf.serve.LabelingService.Campaign;
import rlhf4j.rlhf.serve.LabelingService.CampaignSpec;
import rlhf4j.rlhf.serve.LabelingService.Role;
import rlhf4j.rlhf.serve.LabelingService.Submission;
import rlhf4j.rlhf.serve.LabelingService.Task;
import rlhf4j.rlhf.serve.SqliteLabelingService;

/**
 * The labels stage with people: the samples become a labeling campaign in {@value #DATABASE} of the run directory
 * (created on the first run), simulated labelers (if configured) label through the service, and then either every
 * item has N usable judgements, and they are exported to {@value #EXPORTED} for the label stage, or the pipeline stops
 * with a {@link LabelsPendingException} saying how many are missing and how to serve the campaign.
 */
final class HumanLabels {
    static final String DATABASE = "labeling.db", EXPORTED = "labeling-judgements.jsonl";

    private final PipelineConfig cfg;
    private final Path run;
    private final PrintStream err;
    private final Clock clock;

    HumanLabels(PipelineConfig cfg, Path run, PrintStream err, Clock clock) {
        this.cfg = cfg;
        this.run = run;
        this.err = err;
        this.clock = clock;
    }

    /** The exported judgements file once the campaign is complete; otherwise throws {@link LabelsPendingException}. */
    Path collect(FeedbackData samples) throws IOException {
        Path db = run.resolve(DATABASE);
        try (SqliteLabelingService service = SqliteLabelingService.open(db, clock)) {
            Campaign campaign = campaign(service, samples);
            simulate(service, campaign);
            long missing = service.missingJudgements(campaign.id());
            if (missing > 0) throw pending(service.campaign(campaign.id()).orElseThrow(), db, missing);
            List<Judgement> judgements = service.export(campaign.id()).judgements();
            Path file = run.resolve(EXPORTED);
            Files.deleteIfExists(file);
            JsonlWriter.writeAll(file, FeedbackJson.JUDGEMENT, judgements);
            err.printf("labels: campaign %s complete, %d judgements from %s%n", campaign.spec().name(), judgements.size(), db);
            return file;
        }
    }

    private Campaign campaign(SqliteLabelingService service, FeedbackData samples) throws IOException {
        Optional<Campaign> existing = service.campaign(cfg.name());
        if (existing.isPresent()) return existing.get();
        PipelineConfig.Human h = cfg.labelers().human();
        String criterion = cfg.labelers().criterion();
        String instructions = h.instructions() == null ? Instructions.defaultFor(criterion) : readInstructions(h.instructions());
        var spec = new CampaignSpec(cfg.name(), criterion, instructions, cfg.sampling().k(), h.labelersPerItem(), h.lease(), Map.of());
        Campaign c = service.createCampaign(spec, samples);
        err.printf("labels: campaign %s created in %s: %d items, %d labelers each%n", c.spec().name(), run.resolve(DATABASE),
                c.items(), c.spec().labelersPerItem());
        return c;
    }

    private static String readInstructions(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "no such instructions file (labelers.instructions)");
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    /** Each simulated labeler takes every item the service gives it, as a person would through the server. */
    private void simulate(SqliteLabelingService service, Campaign c) {
        List<Double> temperatures = cfg.labelers().human().simulatedTemperatures();
        if (temperatures.isEmpty()) return;
        TextScorer oracle = Oracles.byName(cfg.labelers().oracle());
        for (int i = 0; i < temperatures.size(); i++) {
            var labeler = new SimulatedLabeler("sim-" + oracle.name() + "-T" + temperatures.get(i), c.spec().criterion(), oracle,
                    temperatures.get(i), cfg.seed() + PipelineStages.LABELER_SEED_OFFSET + i, clock);
            Account account = service.account(labeler.id()).orElseGet(() -> service.addAccount(labeler.id(), Role.LABELER, null));
            service.acknowledgeInstructions(c.id(), account.id());
            int answered = 0;
            for (Optional<Task> t = service.nextTask(c.id(), account.id(), clock.instant()); t.isPresent();
                 t = service.nextTask(c.id(), account.id(), clock.instant())) {
                Task task = t.get();
                Judgement j = labeler.judge(new LabelItem(task.prompt(), task.completions()));
                service.submit(c.id(), account.id(), new Submission("sim:" + labeler.id() + ":" + task.promptId(), task.promptId(),
                        j.ranking(), null, j.notes().flags(), j.comment(), false), clock.instant());
                answered++;
            }
            if (answered > 0) err.printf("labels: %s answered %d items%n", labeler.id(), answered);
        }
    }

    private LabelsPendingException pending(Campaign c, Path db, long missing) {
        long needed = (long) c.items() * c.spec().labelersPerItem();
        String message = String.format("labels: waiting for people: %d of %d judgements missing (%d of %d items done) in campaign %s of %s.%n"
                        + "  serve it:        ./rlhf4j serve --db %s   (then open http://127.0.0.1:8080)%n"
                        + "  add a labeler:   ./rlhf4j serve account add NAME --db %s%n"
                        + "  then continue:   ./rlhf4j pipeline --resume --out %s",
                missing, needed, c.itemsDone(), c.items(), c.spec().name(), db, db, db, run);
        return new LabelsPendingException(message, db, missing);
    }
}
