package rlhf4j.rlhf.serve.web;

import com.google.gson.JsonObject;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import rlhf4j.rlhf.consensus.AgreementReport;
import rlhf4j.rlhf.consensus.ConsensusMethod;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.Ranking;
import rlhf4j.rlhf.label.Instructions;
import rlhf4j.rlhf.serve.CampaignFiles;
import rlhf4j.rlhf.serve.LabelingService;
import rlhf4j.rlhf.serve.LabelingService.Account;
import rlhf4j.rlhf.serve.LabelingService.Campaign;
import rlhf4j.rlhf.serve.LabelingService.CampaignSpec;
import rlhf4j.rlhf.serve.LabelingService.CampaignStats;
import rlhf4j.rlhf.serve.LabelingService.LabelerStats;
import rlhf4j.rlhf.serve.LabelingService.Role;

/**
 * The admin's API: campaigns (list, create from a feedback directory on the server), live statistics, exports and
 * accounts with their login links. Reached only through {@link Auth#admin}.
 */
final class AdminApi {
    private final LabelingService service;

    AdminApi(LabelingService service) { this.service = service; }

    /** GET /api/admin/campaigns. */
    void campaigns(Context ctx, Sessions.Session s) {
        Web.json(ctx, service.campaigns().stream().map(AdminApi::campaign).toList());
    }

    /**
     * POST /api/admin/campaigns {name, criterion, instructions, k, labelersPerItem, leaseMinutes, source, format, gold}:
     * a campaign over the items of {@code source} on the server, read as {@code serve campaign create --from} reads it
     * (format feedback: a directory such as {@code sample}'s output; hh, pandalm, thumbs: a file); {@code gold},
     * optional, is a judgements JSONL file whose rankings are the known answers. Without instructions, the criterion's
     * built-in ones.
     */
    void create(Context ctx, Sessions.Session s) throws IOException {
        JsonObject body = Web.body(ctx);
        String criterion = Web.requiredString(body, "criterion").strip();
        String formatName = Web.optionalString(body, "format");
        CampaignFiles.SourceFormat format = CampaignFiles.SourceFormat.parse(formatName == null ? "feedback" : formatName, "format");
        FeedbackData items = CampaignFiles.read(Path.of(Web.requiredString(body, "source")), format, criterion,
                new PrintStream(OutputStream.nullOutputStream()));
        String gold = Web.optionalString(body, "gold");
        Map<String, Ranking> goldRankings = gold == null || gold.isBlank() ? Map.of() : CampaignFiles.readGold(Path.of(gold));
        int leaseMinutes = Web.optionalInt(body, "leaseMinutes", 30);
        if (leaseMinutes < 1) throw HttpError.badRequest("leaseMinutes must be at least 1");
        String instructions = Web.optionalString(body, "instructions");
        // no instructions: the criterion's built-in ones, as serve campaign create gives
        if (instructions == null || instructions.isBlank()) instructions = Instructions.defaultFor(criterion);
        CampaignSpec spec = new CampaignSpec(Web.requiredString(body, "name").strip(), criterion, instructions,
                Web.optionalInt(body, "k", 4),
                Web.optionalInt(body, "labelersPerItem", 3), Duration.ofMinutes(leaseMinutes), goldRankings);
        Campaign c = service.createCampaign(spec, new FeedbackData(items.prompts(), items.completions(), List.of()));
        ctx.status(201);
        Web.json(ctx, campaign(c));
    }

    /** GET /api/admin/campaigns/{id}/stats?method=borda|copeland&threshold=0.6. */
    void stats(Context ctx, Sessions.Session s) {
        long id = Web.pathId(ctx);
        requireCampaign(id);
        ConsensusMethod method = method(ctx.queryParam("method"), ConsensusMethod.BORDA);
        CampaignStats stats = service.stats(id, method, threshold(ctx.queryParam("threshold")));
        Web.json(ctx, stats(stats));
    }

    /**
     * GET /api/admin/campaigns/{id}/export?format=feedback|groups|trl&consensus=none|borda|copeland: a download; groups
     * per judgement (none) or per item's consensus; TRL pairs always from a consensus.
     */
    void export(Context ctx, Sessions.Session s) throws IOException {
        long id = Web.pathId(ctx);
        Campaign c = requireCampaign(id);
        String format = ctx.queryParam("format") == null ? "feedback" : ctx.queryParam("format");
        String consensus = ctx.queryParam("consensus") == null ? "none" : ctx.queryParam("consensus");
        ConsensusMethod method = consensus.equalsIgnoreCase("none") ? null : method(consensus, null);
        FeedbackData data = service.export(id);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String base = "campaign-" + c.id();
        String file = switch (format) {
            case "feedback" -> { Exports.writeFeedbackZip(data, out); yield base + "-feedback.zip"; }
            case "groups" -> { Exports.writeGroups(Exports.groups(data, method), out); yield base + "-groups.jsonl"; }
            case "trl" -> {
                if (method == null) throw HttpError.badRequest("TRL pairs come from a consensus: borda or copeland");
                Exports.writeTrl(data, method, out);
                yield base + "-" + CampaignFiles.TRL_FILE;
            }
            default -> throw HttpError.badRequest("unknown format '" + format + "' (feedback, groups or trl)");
        };
        ctx.header("Content-Disposition", "attachment; filename=\"" + file + "\"");
        ctx.contentType(file.endsWith(".zip") ? "application/zip" : "application/x-ndjson; charset=utf-8");
        ctx.result(out.toByteArray());
    }

    /** GET /api/admin/accounts. */
    void accounts(Context ctx, Sessions.Session s) {
        Web.json(ctx, service.accounts().stream().map(AdminApi::account).toList());
    }

    /** POST /api/admin/accounts {name, role, password}: without a password the account logs in by link only. */
    void addAccount(Context ctx, Sessions.Session s) {
        JsonObject body = Web.body(ctx);
        String name = Web.requiredString(body, "name").strip();
        String roleName = Web.optionalString(body, "role");
        Role role;
        try {
            role = roleName == null ? Role.LABELER : Role.valueOf(roleName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest("role must be labeler or admin");
        }
        String password = Web.optionalString(body, "password");
        if (password != null && !password.isEmpty() && password.length() < 8)
            throw HttpError.badRequest("a password needs at least 8 characters");
        // no password: the account logs in by login links only
        ctx.status(201);
        Web.json(ctx, account(service.addAccount(name, role, password == null || password.isEmpty() ? null : password)));
    }

    /** POST /api/admin/accounts/{id}/login-link: a fresh single-use link for that account. */
    void loginLink(Context ctx, Sessions.Session s) {
        long id = Web.pathId(ctx);
        if (service.accounts().stream().noneMatch(a -> a.id() == id)) throw HttpError.notFound("no account " + id);
        String token = service.issueLoginToken(id);
        Web.json(ctx, Map.of("path", loginPath(token)));
    }

    /** The path of a login link; the page posts the token, so a link preview that only GETs it does not use it up. */
    static String loginPath(String token) { return "/login?token=" + token; }

    private Campaign requireCampaign(long id) {
        return service.campaign(id).orElseThrow(() -> HttpError.notFound("no campaign " + id));
    }

    static ConsensusMethod method(String name, ConsensusMethod fallback) {
        if (name == null || name.isBlank()) return fallback;
        try {
            return ConsensusMethod.valueOf(name.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest("unknown consensus method '" + name + "' (borda or copeland)");
        }
    }

    private static double threshold(String value) {
        if (value == null || value.isBlank()) return 0.6;
        try {
            double t = Double.parseDouble(value);
            if (t >= 0 && t <= 1) return t;
        } catch (NumberFormatException e) {
            // answered below
        }
        throw HttpError.badRequest("threshold must be a number in 0..1, got '" + value + "'");
    }

    static Map<String, Object> campaign(Campaign c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id());
        m.put("name", c.spec().name());
        m.put("criterion", c.spec().criterion());
        m.put("k", c.spec().k());
        m.put("labelersPerItem", c.spec().labelersPerItem());
        m.put("leaseMinutes", c.spec().lease().toMinutes());
        m.put("goldItems", c.spec().gold().size());
        m.put("items", c.items());
        m.put("itemsDone", c.itemsDone());
        m.put("created", c.created() == null ? null : c.created().toString());
        return m;
    }

    private static Map<String, Object> account(Account a) {
        return Map.of("id", a.id(), "name", a.name(), "role", a.role().name());
    }

    private static Map<String, Object> stats(CampaignStats st) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("campaign", campaign(st.campaign()));
        m.put("judgements", st.judgements());
        m.put("method", st.method().name().toLowerCase(Locale.ROOT));
        m.put("krippendorffAlpha", Web.number(st.krippendorffAlpha()));
        m.put("agreement", st.agreement() == null ? null : agreement(st.agreement()));
        List<Map<String, Object>> labelers = new ArrayList<>();
        for (LabelerStats l : st.labelers()) {
            Map<String, Object> lm = new LinkedHashMap<>();
            lm.put("name", l.name());
            lm.put("judgements", l.judgements());
            lm.put("perHour", Web.number(l.perHour()));
            lm.put("agreementWithConsensus", Web.number(l.agreementWithConsensus()));
            lm.put("goldAccuracy", Web.number(l.goldAccuracy()));
            lm.put("flaggedLowQuality", l.flaggedLowQuality());
            labelers.add(lm);
        }
        m.put("labelers", labelers);
        return m;
    }

    private static Map<String, Object> agreement(AgreementReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("criterion", r.criterion());
        m.put("judgements", r.judgements());
        m.put("flaggedUnusable", r.flaggedUnusable());
        m.put("labelers", r.labelers());
        m.put("items", r.items());
        m.put("multiplyJudged", r.multiplyJudged());
        m.put("pairwise", Web.number(r.pairwise().value()));
        m.put("pairwiseCompared", r.pairwise().total());
        m.put("fleissKappa", Web.number(r.fleissKappa()));
        m.put("kendallTau", Web.number(r.tauOverall().mean()));
        m.put("text", r.format());
        return m;
    }
}
