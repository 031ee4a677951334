package rlhf4j.rlhf.serve.web;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Ranking;
import rlhf4j.rlhf.serve.LabelingService;
import rlhf4j.rlhf.serve.LabelingService.Campaign;
import rlhf4j.rlhf.serve.LabelingService.LabelerProgress;
import rlhf4j.rlhf.serve.LabelingService.Submission;
import rlhf4j.rlhf.serve.LabelingService.SubmitResult;
import rlhf4j.rlhf.serve.LabelingService.Task;

/**
 * The labeler's API: campaigns, their instructions (acknowledged before the first item: 409 until then), one item at a
 * time and submissions. Every call acts as the session's account; nothing here reads another labeler's answers.
 */
final class LabelerApi {
    private static final Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final int MAX_COMMENT = 4000;

    private final LabelingService service;
    private final Clock clock;

    LabelerApi(LabelingService service, Clock clock) {
        this.service = service;
        this.clock = clock;
    }

    /** GET /api/campaigns: every campaign with this labeler's own progress. */
    void campaigns(Context ctx, Sessions.Session s) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Campaign c : service.campaigns()) {
            Map<String, Object> m = summary(c);
            m.put("acknowledged", service.hasAcknowledged(c.id(), s.account().id()));
            m.put("progress", progress(service.progress(c.id(), s.account().id())));
            out.add(m);
        }
        Web.json(ctx, out);
    }

    /** GET /api/campaigns/{id}/instructions: the instructions as safe HTML. */
    void instructions(Context ctx, Sessions.Session s) {
        Campaign c = campaign(ctx);
        Map<String, Object> m = summary(c);
        m.put("html", Markdown.toSafeHtml(c.spec().instructions()));
        m.put("acknowledged", service.hasAcknowledged(c.id(), s.account().id()));
        Web.json(ctx, m);
    }

    /** POST /api/campaigns/{id}/acknowledge. */
    void acknowledge(Context ctx, Sessions.Session s) {
        Campaign c = campaign(ctx);
        service.acknowledgeInstructions(c.id(), s.account().id());
        Web.json(ctx, Map.of("acknowledged", true));
    }

    /** GET /api/campaigns/{id}/next: this labeler's current or next item ({@code task} null when none is left). */
    void next(Context ctx, Sessions.Session s) {
        Campaign c = acknowledgedCampaign(ctx, s);
        Optional<Task> task = service.nextTask(c.id(), s.account().id(), clock.instant());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", task.map(LabelerApi::task).orElse(null));
        m.put("progress", progress(service.progress(c.id(), s.account().id())));
        Web.json(ctx, m);
    }

    /** POST /api/campaigns/{id}/submit: stores the answer (idempotent by submissionId). */
    void submit(Context ctx, Sessions.Session s) {
        Campaign c = acknowledgedCampaign(ctx, s);
        Submission submission = submission(Web.body(ctx));
        SubmitResult result = service.submit(c.id(), s.account().id(), submission, clock.instant());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("duplicate", result.duplicate());
        m.put("progress", progress(result.progress()));
        Web.json(ctx, m);
    }

    /** GET /api/campaigns/{id}/progress. */
    void progress(Context ctx, Sessions.Session s) {
        Web.json(ctx, progress(service.progress(campaign(ctx).id(), s.account().id())));
    }

    private Campaign campaign(Context ctx) {
        long id = Web.pathId(ctx);
        return service.campaign(id).orElseThrow(() -> HttpError.notFound("no campaign " + id));
    }

    private Campaign acknowledgedCampaign(Context ctx, Sessions.Session s) {
        Campaign c = campaign(ctx);
        if (!service.hasAcknowledged(c.id(), s.account().id()))
            throw new HttpError(409, "read and acknowledge the campaign's instructions first");
        return c;
    }

    /** A submission from its JSON; 400 naming the field that is wrong. */
    static Submission submission(JsonObject json) {
        String id = Web.requiredString(json, "submissionId");
        if (!UUID.matcher(id).matches()) throw HttpError.badRequest("submissionId must be a UUID");
        String promptId = Web.requiredString(json, "promptId");
        Integer score = Web.optionalInt(json, "score", null);
        if (score != null && (score < 1 || score > 7)) throw HttpError.badRequest("score must be 1..7, got " + score);
        Set<String> flags = new LinkedHashSet<>();
        for (JsonElement f : array(json, "flags")) {
            String flag = f.isJsonPrimitive() ? f.getAsString() : "";
            if (!Judgement.FLAGS.contains(flag)) throw HttpError.badRequest("unknown flag '" + flag + "' (unusable or harmful)");
            flags.add(flag);
        }
        String comment = Web.optionalString(json, "comment");
        if (comment != null && comment.length() > MAX_COMMENT) throw HttpError.badRequest("comment is longer than " + MAX_COMMENT);
        if (comment != null && comment.isBlank()) comment = null;
        boolean skipped = json.has("skipped") && json.get("skipped").isJsonPrimitive() && json.get("skipped").getAsBoolean();
        Ranking ranking = ranking(array(json, "ranking"));
        return new Submission(id, promptId, ranking, score, flags, comment, skipped);
    }

    private static Ranking ranking(JsonArray tiers) {
        List<List<String>> out = new ArrayList<>();
        for (JsonElement tier : tiers) {
            if (!tier.isJsonArray()) throw HttpError.badRequest("ranking must be a list of tiers, each a list of completion ids");
            List<String> ids = new ArrayList<>();
            for (JsonElement id : tier.getAsJsonArray()) {
                if (!id.isJsonPrimitive()) throw HttpError.badRequest("ranking holds a completion id that is not a string");
                ids.add(id.getAsString());
            }
            out.add(ids);
        }
        return new Ranking(out);
    }

    private static JsonArray array(JsonObject json, String field) {
        JsonElement e = json.get(field);
        if (e == null || e.isJsonNull()) return new JsonArray();
        if (!e.isJsonArray()) throw HttpError.badRequest(field + " must be a list");
        return e.getAsJsonArray();
    }

    private static Map<String, Object> summary(Campaign c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id());
        m.put("name", c.spec().name());
        m.put("criterion", c.spec().criterion());
        m.put("k", c.spec().k());
        return m;
    }

    private static Map<String, Object> task(Task t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("campaignId", t.campaignId());
        m.put("promptId", t.promptId());
        m.put("prompt", t.prompt().text());
        List<Map<String, String>> completions = new ArrayList<>();
        for (Completion c : t.completions()) completions.add(Map.of("id", c.id(), "text", c.text()));
        m.put("completions", completions);
        m.put("leaseExpires", t.leaseExpires() == null ? null : t.leaseExpires().toString());
        return m;
    }

    static Map<String, Object> progress(LabelerProgress p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("done", p.done());
        m.put("skipped", p.skipped());
        m.put("available", p.available());
        return m;
    }
}
