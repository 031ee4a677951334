package rlhf4j.rlhf.stage;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import rlhf4j.rlhf.consensus.AgreementReport;
import rlhf4j.rlhf.consensus.ConsensusMethod;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Jsonl;
import rlhf4j.rlhf.feedback.JsonlWriter;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.label.LabelItem;
import rlhf4j.rlhf.label.Labeler;
import rlhf4j.rlhf.label.RandomLabeler;
import rlhf4j.rlhf.label.SimulatedLabeler;
import rlhf4j.rlhf.label.SimulatedLabeling;
import rlhf4j.rlhf.oracle.Oracles;
import rlhf4j.rlhf.oracle.TextScorer;
import rlhf4j.transformer.train.ProgressBar;

/**
 * Judgements of the sampled completions and their agreement: simulated labelers (an oracle with Bradley–Terry noise,
 * one labeler per temperature, plus optional random labelers) or a judgements file (people's rankings). Writes
 * {@value #JUDGEMENTS} (the feedback schema), {@value #AGREEMENT_TEXT} (what {@code labels stats} prints) and
 * {@value #AGREEMENT_JSON} (the first criterion's headline figures; absent without judgements).
 */
public final class LabelStage {
    public static final String JUDGEMENTS = FeedbackData.JUDGEMENTS_FILE, AGREEMENT_TEXT = "agreement.txt",
            AGREEMENT_JSON = "agreement.json";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

    /**
     * Simulated labelers. Labeler i (of the temperatures) is {@code sim-<oracle>-T<t>} seeded {@code seed + i}; random
     * labeler i is {@code random-<i+1>} seeded {@code seed + 1000 + i}.
     *
     * @param oracle       the oracle's name for {@link Oracles#byName} (vader, afinn), used when scorer is null
     * @param scorer       the oracle itself (any {@link TextScorer}), or null to look up {@code oracle}
     * @param temperatures one Bradley–Terry labeler per temperature (0 = the oracle's order)
     * @param random       how many uniformly random labelers to add
     * @param criterion    written into each judgement
     * @param seed         the first labeler's seed
     */
    public record Simulated(String oracle, TextScorer scorer, List<Double> temperatures, int random, String criterion, long seed) {
        public Simulated {
            temperatures = List.copyOf(temperatures);
            Objects.requireNonNull(criterion, "criterion");
            if (oracle == null && scorer == null) throw new IllegalArgumentException("simulated labelers need an oracle");
            if (temperatures.isEmpty() && random == 0) throw new IllegalArgumentException("no labelers: give a temperature or random labelers");
            for (double t : temperatures) if (!(t >= 0)) throw new IllegalArgumentException("temperature " + t + " must be >= 0");
            if (random < 0) throw new IllegalArgumentException("random labelers " + random + " must be >= 0");
        }

        /** The named oracle with one labeler per temperature, no random labelers. */
        public static Simulated of(String oracle, List<Double> temperatures, String criterion, long seed) {
            return new Simulated(oracle, null, temperatures, 0, criterion, seed);
        }

        public Simulated withOracle(String name) { return new Simulated(name, null, temperatures, random, criterion, seed); }
        public Simulated withScorer(TextScorer s) { return new Simulated(s.name(), s, temperatures, random, criterion, seed); }
        public Simulated withTemperatures(List<Double> t) { return new Simulated(oracle, scorer, t, random, criterion, seed); }
        public Simulated withRandom(int n) { return new Simulated(oracle, scorer, temperatures, n, criterion, seed); }
        public Simulated withCriterion(String c) { return new Simulated(oracle, scorer, temperatures, random, c, seed); }
        public Simulated withSeed(long s) { return new Simulated(oracle, scorer, temperatures, random, criterion, s); }

        /** The labelers, in order: the simulated ones by temperature, then the random ones; clock timestamps their judgements. */
        public List<Labeler> labelers(Clock clock) {
            TextScorer o = scorer != null ? scorer : Oracles.byName(oracle);
            List<Labeler> labelers = new ArrayList<>();
            for (int i = 0; i < temperatures.size(); i++) {
                double t = temperatures.get(i);
                labelers.add(new SimulatedLabeler("sim-" + o.name() + "-T" + t, criterion, o, t, seed + i, clock));
            }
            for (int i = 0; i < random; i++) labelers.add(new RandomLabeler("random-" + (i + 1), criterion, seed + 1000 + i, clock));
            return labelers;
        }
    }

    /**
     * @param simulated       the simulated labelers, or null when judgementsFile is given
     * @param judgementsFile  a judgements JSONL file to take instead of simulating, or null
     * @param consensus       the consensus the agreement statistics compare each labeler with
     * @param threshold       flag labelers agreeing with the consensus on fewer pairs than this
     */
    public record Config(Simulated simulated, Path judgementsFile, ConsensusMethod consensus, double threshold) {
        public Config {
            if ((simulated == null) == (judgementsFile == null))
                throw new IllegalArgumentException("label: give either simulated labelers or a judgements file");
            Objects.requireNonNull(consensus, "consensus");
            if (!(threshold >= 0 && threshold <= 1)) throw new IllegalArgumentException("threshold " + threshold + " must be in [0, 1]");
        }

        /** Three VADER labelers (T = 0.05, 0.1, 0.2) on sentiment, seed 1, Borda consensus, flag below 60%. */
        public static Config defaults() {
            return new Config(Simulated.of("vader", List.of(0.05, 0.1, 0.2), "sentiment", 1), null, ConsensusMethod.BORDA, 0.6);
        }

        public Config withSimulated(Simulated s) { return new Config(s, null, consensus, threshold); }
        public Config withJudgementsFile(Path f) { return new Config(null, f, consensus, threshold); }
        public Config withConsensus(ConsensusMethod m) { return new Config(simulated, judgementsFile, m, threshold); }
        public Config withThreshold(double t) { return new Config(simulated, judgementsFile, consensus, t); }
    }

    /** The files written (agreementJson null without judgements) and the headline figures (null without judgements). */
    public record Result(Path judgements, Path agreementText, Path agreementJson, int count, Double pairwiseAgreement, Double fleissKappa) {}

    private final Config config;
    private final StageContext ctx;
    private final Clock clock;

    public LabelStage(Config config, StageContext ctx) { this(config, ctx, Clock.systemUTC()); }

    /** With the clock that timestamps simulated judgements (a fixed clock makes reruns byte-identical). */
    public LabelStage(Config config, StageContext ctx, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.ctx = Objects.requireNonNull(ctx, "ctx");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Labels the prompts' completions (or reads the judgements file) and writes the three files into outDir. */
    public Result run(List<Prompt> prompts, List<Completion> completions, Path outDir) throws IOException {
        Path judgementsFile = outDir.resolve(JUDGEMENTS), text = outDir.resolve(AGREEMENT_TEXT), json = outDir.resolve(AGREEMENT_JSON);
        Outputs.prepare(List.of(judgementsFile, text, json), ctx.output(), ctx.err());
        List<Judgement> judgements = config.judgementsFile() != null ? readJudgements(config.judgementsFile()) : simulate(prompts, completions);
        Files.createDirectories(outDir);
        JsonlWriter.writeAll(judgementsFile, FeedbackJson.JUDGEMENT, judgements);
        List<AgreementReport> reports = agreement(judgements, config.consensus(), config.threshold());
        String report = format(reports);
        Files.writeString(text, report, StandardCharsets.UTF_8);
        ctx.err().print(report);
        if (reports.isEmpty()) return new Result(judgementsFile, text, null, 0, null, null);
        AgreementReport first = reports.getFirst();
        Files.writeString(json, GSON.toJson(headline(first)) + "\n", StandardCharsets.UTF_8);
        return new Result(judgementsFile, text, json, judgements.size(), first.pairwise().value(), first.fleissKappa());
    }

    private List<Judgement> simulate(List<Prompt> prompts, List<Completion> completions) {
        List<Labeler> labelers = config.simulated().labelers(clock);
        List<LabelItem> items = LabelItem.of(prompts, completions);
        List<Judgement> judgements = new ArrayList<>();
        ProgressBar bar = ProgressBar.on(ctx.err(), "label", items.size());
        for (int i = 0; i < items.size(); i++) {
            judgements.addAll(SimulatedLabeling.label(List.of(items.get(i)), labelers));
            bar.update(i + 1, "");
        }
        bar.finish();
        return judgements;
    }

    private static List<Judgement> readJudgements(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "no such judgements file");
        return Jsonl.read(file, FeedbackJson.JUDGEMENT);
    }

    /** The agreement statistics, one report per criterion: what the stage writes and {@code labels stats} prints. */
    public static List<AgreementReport> agreement(List<Judgement> judgements, ConsensusMethod consensus, double threshold) {
        return AgreementReport.of(judgements, consensus, threshold);
    }

    /** The reports as agreement.txt holds them. */
    public static String format(List<AgreementReport> reports) {
        StringBuilder s = new StringBuilder();
        for (AgreementReport r : reports) s.append(r.format());
        return s.toString();
    }

    /** agreement.json: the headline figures of one criterion's report. */
    static Map<String, Object> headline(AgreementReport r) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("criterion", r.criterion());
        a.put("judgements", r.judgements());
        a.put("labelers", r.labelers());
        a.put("agreement_pairwise", r.pairwise().value());
        a.put("fleiss_kappa", r.fleissKappa());
        a.put("krippendorff_alpha", r.krippendorffAlpha());
        a.put("kendall_tau", r.tauOverall().mean());
        return a;
    }
}
