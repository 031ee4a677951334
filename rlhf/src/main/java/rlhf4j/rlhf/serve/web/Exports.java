package rlhf4j.rlhf.serve.web;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import rlhf4j.rlhf.consensus.ConsensusMethod;
import rlhf4j.rlhf.consensus.PreferenceGroup;
import rlhf4j.rlhf.consensus.PreferenceGroups;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.rlhf.feedback.JsonlCodec;
import rlhf4j.rlhf.serve.CampaignFiles;

/**
 * A campaign's judgements in the formats the rest of the project and other tools read: the feedback directory (a zip
 * of prompts, completions and judgements JSONL, for {@code labels pairs}), preference groups ({@code groups.jsonl},
 * for {@code reward train}) and TRL's {@code {"prompt", "chosen", "rejected"}} JSONL, one line per consensus pair.
 */
public final class Exports {
    private Exports() {}

    /** One group per usable judgement ({@code consensus} null) or one per item from the consensus of its judgements. */
    public static List<PreferenceGroup> groups(FeedbackData data, ConsensusMethod consensus) {
        return consensus == null ? PreferenceGroups.perJudgement(data) : PreferenceGroups.consensus(data, consensus);
    }

    /** The groups as {@code groups.jsonl}. */
    public static void writeGroups(List<PreferenceGroup> groups, OutputStream out) throws IOException {
        writeLines(groups, PreferenceGroup.JSON, out);
    }

    /** TRL preference JSONL from each item's consensus, as {@code serve campaign export --format trl} writes it. */
    public static void writeTrl(FeedbackData data, ConsensusMethod consensus, OutputStream out) throws IOException {
        writeLines(CampaignFiles.trl(data, consensus), CampaignFiles.TRL, out);
    }

    /** The feedback directory's three files in one zip. */
    public static void writeFeedbackZip(FeedbackData data, OutputStream out) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(out, StandardCharsets.UTF_8);
        zip.putNextEntry(new ZipEntry(FeedbackData.PROMPTS_FILE));
        writeLines(data.prompts(), FeedbackJson.PROMPT, zip);
        zip.putNextEntry(new ZipEntry(FeedbackData.COMPLETIONS_FILE));
        writeLines(data.completions(), FeedbackJson.COMPLETION, zip);
        zip.putNextEntry(new ZipEntry(FeedbackData.JUDGEMENTS_FILE));
        writeLines(data.judgements(), FeedbackJson.JUDGEMENT, zip);
        zip.finish();
    }

    private static <T> void writeLines(List<T> records, JsonlCodec<T> codec, OutputStream out) throws IOException {
        Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
        for (T r : records) {
            w.write(Web.GSON.toJson(codec.toJson(r)));
            w.write('\n');
        }
        w.flush();
    }
}
