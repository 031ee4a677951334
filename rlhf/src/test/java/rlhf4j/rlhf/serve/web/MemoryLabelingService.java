package rlhf4j.rlhf.serve.web;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import rlhf4j.rlhf.consensus.AgreementReport;
import rlhf4j.rlhf.consensus.ConsensusMethod;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.serve.LabelingService;

/** The labeling contract in memory, for server tests that need no database. */
final class MemoryLabelingService implements LabelingService {
    private record Stored(long campaign, long account, Submission submission, Instant time) {}

    private record CampaignData(Campaign campaign, FeedbackData items) {}

    private final List<Account> accounts = new ArrayList<>();
    private final Map<Long, String> passwords = new HashMap<>();
    private final Map<String, Long> tokens = new HashMap<>();
    private final Map<Long, CampaignData> campaigns = new LinkedHashMap<>();
    private final Set<String> acks = new HashSet<>();
    private final Map<String, Instant> leases = new HashMap<>();
    private final Map<String, Stored> bySubmission = new LinkedHashMap<>();
    private long nextToken = 1;

    @Override public synchronized Account addAccount(String name, Role role, String password) {
        if (accounts.stream().anyMatch(a -> a.name().equals(name))) throw new IllegalArgumentException("name taken: " + name);
        Account a = new Account(accounts.size() + 1, name, role);
        accounts.add(a);
        passwords.put(a.id(), password);
        return a;
    }

    @Override public synchronized String issueLoginToken(long accountId) {
        String t = "tok" + (nextToken++) + "x" + new Random().nextLong();
        tokens.put(t, accountId);
        return t;
    }

    @Override public synchronized Optional<Account> checkPassword(String name, String password) {
        return accounts.stream().filter(a -> a.name().equals(name) && passwords.get(a.id()).equals(password)).findFirst();
    }

    @Override public synchronized Optional<Account> redeemLoginToken(String token) {
        Long id = tokens.remove(token);
        return id == null ? Optional.empty() : Optional.of(accounts.get((int) (id - 1)));
    }

    @Override public synchronized List<Account> accounts() { return List.copyOf(accounts); }

    @Override public synchronized Campaign createCampaign(CampaignSpec spec, FeedbackData items) {
        long id = campaigns.size() + 1;
        Campaign c = new Campaign(id, spec, items.prompts().size(), 0, Instant.now());
        campaigns.put(id, new CampaignData(c, items));
        return c;
    }

    @Override public synchronized List<Campaign> campaigns() {
        return campaigns.keySet().stream().map(id -> campaign(id).orElseThrow()).toList();
    }

    @Override public synchronized Optional<Campaign> campaign(long campaignId) {
        CampaignData d = campaigns.get(campaignId);
        if (d == null) return Optional.empty();
        int done = 0;
        for (Prompt p : d.items().prompts()) if (judged(campaignId, p.id()).size() >= d.campaign().spec().labelersPerItem()) done++;
        Campaign c = d.campaign();
        return Optional.of(new Campaign(c.id(), c.spec(), c.items(), done, c.created()));
    }

    private List<Stored> judged(long campaign, String promptId) {
        return bySubmission.values().stream().filter(s -> s.campaign() == campaign && !s.submission().skipped()
                && s.submission().promptId().equals(promptId)).toList();
    }

    @Override public synchronized CampaignStats stats(long campaignId, ConsensusMethod method, double goldThreshold) {
        List<Judgement> js = export(campaignId).judgements();
        AgreementReport report = js.isEmpty() ? null : AgreementReport.of(js, method, goldThreshold).getFirst();
        List<LabelerStats> labelers = new ArrayList<>();
        if (report != null) {
            for (var la : report.withConsensus()) {
                labelers.add(new LabelerStats(la.labeler(), la.judgements(), Double.NaN, la.withConsensus().value(),
                        Double.NaN, la.flagged()));
            }
        }
        return new CampaignStats(campaign(campaignId).orElseThrow(), js.size(), labelers, report, Double.NaN, method);
    }

    @Override public synchronized FeedbackData export(long campaignId) {
        CampaignData d = campaigns.get(campaignId);
        List<Judgement> js = new ArrayList<>();
        for (Stored s : bySubmission.values()) {
            if (s.campaign() != campaignId || s.submission().skipped()) continue;
            String who = accounts.get((int) (s.account() - 1)).name();
            Submission sub = s.submission();
            js.add(new Judgement(who, d.campaign().spec().criterion(), sub.promptId(), sub.ranking(), s.time(),
                    sub.flags().contains("unusable"), sub.comment()));
        }
        return new FeedbackData(d.items().prompts(), d.items().completions(), js);
    }

    @Override public synchronized void acknowledgeInstructions(long campaignId, long accountId) {
        acks.add(campaignId + "/" + accountId);
    }

    @Override public synchronized boolean hasAcknowledged(long campaignId, long accountId) {
        return acks.contains(campaignId + "/" + accountId);
    }

    @Override public synchronized Optional<Task> nextTask(long campaignId, long accountId, Instant now) {
        if (!hasAcknowledged(campaignId, accountId)) throw new IllegalStateException("instructions not acknowledged");
        CampaignData d = campaigns.get(campaignId);
        for (Prompt p : d.items().prompts()) {
            Instant until = leases.get(campaignId + "/" + p.id() + "/" + accountId);
            if (until != null && until.isAfter(now) && !answered(campaignId, accountId, p.id())) return Optional.of(task(d, p, accountId, until));
        }
        Prompt best = null;
        int bestCount = -1;
        for (Prompt p : d.items().prompts()) {
            if (answered(campaignId, accountId, p.id())) continue;
            int count = judged(campaignId, p.id()).size();
            long live = leases.entrySet().stream().filter(e -> e.getKey().startsWith(campaignId + "/" + p.id() + "/")
                    && e.getValue().isAfter(now)).count();
            if (count + live >= d.campaign().spec().labelersPerItem()) continue;
            if (count > bestCount) { best = p; bestCount = count; }
        }
        if (best == null) return Optional.empty();
        Instant until = now.plus(d.campaign().spec().lease());
        leases.put(campaignId + "/" + best.id() + "/" + accountId, until);
        return Optional.of(task(d, best, accountId, until));
    }

    private boolean answered(long campaign, long account, String promptId) {
        return bySubmission.values().stream().anyMatch(s -> s.campaign() == campaign && s.account() == account
                && s.submission().promptId().equals(promptId));
    }

    private static Task task(CampaignData d, Prompt p, long accountId, Instant until) {
        List<Completion> cs = new ArrayList<>(d.items().completionsByPrompt().get(p.id()));
        cs = new ArrayList<>(cs.subList(0, Math.min(cs.size(), d.campaign().spec().k())));
        Collections.shuffle(cs, new Random(accountId * 31 + p.id().hashCode()));
        return new Task(d.campaign().id(), p.id(), p, cs, until);
    }

    @Override public synchronized SubmitResult submit(long campaignId, long accountId, Submission submission, Instant now) {
        if (bySubmission.containsKey(submission.submissionId())) return new SubmitResult(true, progress(campaignId, accountId));
        if (!leases.containsKey(campaignId + "/" + submission.promptId() + "/" + accountId))
            throw new IllegalArgumentException("item " + submission.promptId() + " was not given to this labeler");
        bySubmission.put(submission.submissionId(), new Stored(campaignId, accountId, submission, now));
        leases.remove(campaignId + "/" + submission.promptId() + "/" + accountId);
        return new SubmitResult(false, progress(campaignId, accountId));
    }

    @Override public synchronized LabelerProgress progress(long campaignId, long accountId) {
        int done = 0, skipped = 0, available = 0;
        CampaignData d = campaigns.get(campaignId);
        for (Prompt p : d.items().prompts()) {
            Optional<Stored> mine = bySubmission.values().stream().filter(s -> s.campaign() == campaignId
                    && s.account() == accountId && s.submission().promptId().equals(p.id())).findFirst();
            if (mine.isPresent()) {
                if (mine.get().submission().skipped()) skipped++;
                else done++;
            } else if (judged(campaignId, p.id()).size() < d.campaign().spec().labelersPerItem()) {
                available++;
            }
        }
        return new LabelerProgress(done, skipped, available);
    }

    @Override public void close() {}
}
