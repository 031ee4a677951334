package rlhf4j.rlhf.serve;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import rlhf4j.rlhf.consensus.ConsensusMethod;
import rlhf4j.rlhf.consensus.PreferenceGroup;
import rlhf4j.rlhf.consensus.PreferenceGroups;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.rlhf.feedback.HhRlhfImporter;
import rlhf4j.rlhf.feedback.ImportResult;
import rlhf4j.rlhf.feedback.JsonlCodec;
import rlhf4j.rlhf.feedback.JsonlWriter;
import rlhf4j.rlhf.feedback.PandaLmImporter;
import rlhf4j.rlhf.feedback.ThumbsImporter;
import rlhf4j.rlhf.stage.OutputMode;
import rlhf4j.rlhf.stage.Outputs;

/**
 * A campaign's data in and out of files: reading a campaign's items from a {@code sample} output or any feedback data
 * the importers read, and writing its judgements as the project's feedback JSONL or as TRL preference JSONL.
 */
public final class CampaignFiles {
    private CampaignFiles() {}

    /** TRL's preference file name. */
    public static final String TRL_FILE = "preferences.jsonl";

    /** Where campaign items come from. */
    public enum SourceFormat {
        /** A directory with prompts.jsonl and completions.jsonl (and maybe judgements.jsonl): a sample output or feedback data. */
        FEEDBACK,
        /** Anthropic HH-RLHF JSONL. */
        HH,
        /** PandaLM JSON. */
        PANDALM,
        /** Thumbs-up/down JSONL. */
        THUMBS;

        /** feedback, hh, pandalm or thumbs; else an error naming the flag. */
        public static SourceFormat parse(String name, String flag) {
            try {
                return valueOf(name.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(flag + " " + name + ": expected feedback, hh, pandalm or thumbs");
            }
        }
    }

    /**
     * The items (and any judgements) of {@code source}: a directory read as feedback data, or a file in one of the
     * importers' formats (their criterion {@code criterion}). Records an importer had to skip are printed to err.
     */
    public static FeedbackData read(Path source, SourceFormat format, String criterion, PrintStream err) throws IOException {
        if (format == SourceFormat.FEEDBACK) {
            if (!Files.isDirectory(source))
                throw new NoSuchFileException(source.toString(), null, "not a directory holding prompts.jsonl and completions.jsonl");
            return FeedbackData.readFrom(source);
        }
        if (!Files.isRegularFile(source)) throw new NoSuchFileException(source.toString(), null, "no such " + format.name().toLowerCase(Locale.ROOT) + " file");
        ImportResult result = switch (format) {
            case HH -> new HhRlhfImporter(criterion, "hh").importFile(source);
            case PANDALM -> new PandaLmImporter(criterion).importFile(source);
            case THUMBS -> new ThumbsImporter("thumbs", criterion).importFile(source);
            case FEEDBACK -> throw new AssertionError();
        };
        result.problems().stream().limit(10).forEach(p -> err.println("  skipped " + p));
        return result.data();
    }

    /**
     * Known answers for screening: a judgements JSONL file (the feedback format) whose lines give, per prompt id, the
     * gold ranking. A prompt named twice is an error naming the file.
     */
    public static java.util.Map<String, rlhf4j.rlhf.feedback.Ranking> readGold(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "no such gold judgements file");
        java.util.Map<String, rlhf4j.rlhf.feedback.Ranking> gold = new java.util.LinkedHashMap<>();
        for (var j : rlhf4j.rlhf.feedback.Jsonl.read(file, FeedbackJson.JUDGEMENT)) {
            if (j.unusable()) continue;
            if (gold.put(j.promptId(), j.ranking()) != null)
                throw new IllegalArgumentException(file + ": prompt " + j.promptId() + " has two gold rankings");
        }
        return gold;
    }

    /** A duration such as {@code 90s}, {@code 30m}, {@code 2h} or ISO-8601 {@code PT30M}; else an error naming the flag. */
    public static java.time.Duration parseDuration(String text, String flag) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("p")) return positive(java.time.Duration.parse(t.toUpperCase(Locale.ROOT)), text, flag);
            long amount = Long.parseLong(t.substring(0, t.length() - 1));
            return positive(switch (t.charAt(t.length() - 1)) {
                case 's' -> java.time.Duration.ofSeconds(amount);
                case 'm' -> java.time.Duration.ofMinutes(amount);
                case 'h' -> java.time.Duration.ofHours(amount);
                case 'd' -> java.time.Duration.ofDays(amount);
                default -> throw new NumberFormatException();
            }, text, flag);
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException i && i.getMessage() != null && i.getMessage().startsWith(flag)) throw i;
            throw new IllegalArgumentException(flag + " " + text + ": expected a duration such as 90s, 30m, 2h or PT30M");
        }
    }

    private static java.time.Duration positive(java.time.Duration d, String text, String flag) {
        if (d.isNegative() || d.isZero()) throw new IllegalArgumentException(flag + " " + text + ": must be positive");
        return d;
    }

    /** Writes the three feedback files into {@code dir}; files already there are refused or replaced per {@code mode}. */
    public static void writeFeedback(FeedbackData data, Path dir, OutputMode mode, PrintStream err) throws IOException {
        List<Path> files = List.of(dir.resolve(FeedbackData.PROMPTS_FILE), dir.resolve(FeedbackData.COMPLETIONS_FILE),
                dir.resolve(FeedbackData.JUDGEMENTS_FILE));
        Outputs.prepare(files, mode, err);
        Files.createDirectories(dir);
        JsonlWriter.writeAll(files.get(0), FeedbackJson.PROMPT, data.prompts());
        JsonlWriter.writeAll(files.get(1), FeedbackJson.COMPLETION, data.completions());
        JsonlWriter.writeAll(files.get(2), FeedbackJson.JUDGEMENT, data.judgements());
    }

    /** One preference in TRL's explicit-prompt format: the prompt, the preferred completion, the other. */
    public record TrlPreference(String prompt, String chosen, String rejected) {}

    /** {@code {"prompt", "chosen", "rejected"}}, texts as they are (the completion alone, without the prompt). */
    public static final JsonlCodec<TrlPreference> TRL = new JsonlCodec<>() {
        @Override public TrlPreference fromJson(JsonObject json) {
            return new TrlPreference(FeedbackJson.requiredString(json, "prompt"), FeedbackJson.requiredString(json, "chosen"),
                    FeedbackJson.requiredString(json, "rejected"));
        }

        @Override public JsonObject toJson(TrlPreference p) {
            JsonObject json = new JsonObject();
            json.addProperty("prompt", p.prompt());
            json.addProperty("chosen", p.chosen());
            json.addProperty("rejected", p.rejected());
            return json;
        }
    };

    /**
     * The preferences of each item's consensus ranking ({@link PreferenceGroups#consensus}, as {@code labels pairs
     * --consensus} builds them): one line per (winner, loser) pair, ties giving none.
     */
    public static List<TrlPreference> trl(FeedbackData data, ConsensusMethod method) {
        List<TrlPreference> out = new ArrayList<>();
        for (PreferenceGroup g : PreferenceGroups.consensus(data, method)) {
            for (PreferenceGroup.IndexPair p : g.pairs()) {
                out.add(new TrlPreference(g.prompt().text(), g.completions().get(p.winner()).text(),
                        g.completions().get(p.loser()).text()));
            }
        }
        return out;
    }

    /** Writes {@link #trl} to {@code file}; a file already there is refused or replaced per {@code mode}. Returns the count. */
    public static int writeTrl(FeedbackData data, ConsensusMethod method, Path file, OutputMode mode, PrintStream err) throws IOException {
        List<TrlPreference> preferences = trl(data, method);
        Outputs.prepare(file, mode, err);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        JsonlWriter.writeAll(file, TRL, preferences);
        return preferences.size();
    }
}
