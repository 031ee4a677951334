package rlhf4j.rlhf.serve;

import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import rlhf4j.rlhf.consensus.ConsensusMethod;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.feedback.Ranking;
import rlhf4j.tensor.io.Quote;

/**
 * {@link LabelingService} on one SQLite file ({@link Schema}: WAL, foreign keys, versioned and migrated on open).
 * Safe to share between the threads of a server: every call is one transaction on one connection (see {@link Store}),
 * and a submission is committed (synchronous FULL) before {@link #submit} returns.
 *
 * <p>Errors: a bad argument (unknown campaign, account or prompt, a malformed ranking, a taken name) is an
 * {@link IllegalArgumentException}; a call that does not fit the labeler's state (items before acknowledging the
 * instructions, an answer to an item never given to this labeler, a second answer to one item) is an
 * {@link IllegalStateException}; a failing database is a {@link LabelingStoreException}.
 */
public final class SqliteLabelingService implements LabelingService {
    /** A dummy hash checked for unknown names, so that a login takes as long whether or not the name exists. */
    private static final String NO_ACCOUNT_HASH = Secrets.hashPassword("no such account");

    private final Store store;
    private final Clock clock;

    /** What a returned {@link #submit} survives. */
    public enum Durability {
        /** A crash or power loss of the machine: every commit waits for fsync (SQLite synchronous FULL). The default. */
        POWER_LOSS,
        /**
         * A crash or {@code kill -9} of the server process, not of the machine: commits reach the WAL file without
         * waiting for the disk (synchronous NORMAL), several times faster on a slow disk.
         */
        PROCESS_CRASH
    }

    private SqliteLabelingService(Path file, Clock clock, Durability durability) {
        this.store = new Store(file, durability);
        this.clock = clock;
    }

    /** Opens (creating or migrating) the database at {@code file}, durable against power loss. */
    public static SqliteLabelingService open(Path file) { return open(file, Clock.systemUTC()); }

    /** As {@link #open(Path)}, with the clock that stamps accounts, campaigns and tokens (submissions carry their own time). */
    public static SqliteLabelingService open(Path file, Clock clock) { return open(file, clock, Durability.POWER_LOSS); }

    /** As {@link #open(Path, Clock)}, with the durability of a commit. */
    public static SqliteLabelingService open(Path file, Clock clock, Durability durability) {
        return new SqliteLabelingService(file, clock, durability);
    }

    public Path file() { return store.file(); }

    /** The schema version the file had before this open migrated it (0 for a new file). */
    public int schemaVersionFound() { return store.versionFound(); }

    // ---- accounts ----

    /** {@inheritDoc} A null password makes an account that logs in only by login link. Names are 1–64 characters. */
    @Override public Account addAccount(String name, Role role, String password) {
        String checked = accountName(name);
        if (role == null) throw new IllegalArgumentException("account " + Quote.cap(checked) + " needs a role");
        if (password != null && password.isEmpty()) throw new IllegalArgumentException("an empty password; give none for a login-link-only account");
        String hash = password == null ? null : Secrets.hashPassword(password);   // slow on purpose: outside the lock
        return store.transaction(s -> {
            if (s.number("SELECT COUNT(*) FROM accounts WHERE name = ?", checked) > 0)
                throw new IllegalArgumentException("account name " + Quote.cap(checked) + " is taken");
            long id = s.insert("INSERT INTO accounts (name, role, password_hash, created) VALUES (?, ?, ?, ?)",
                    checked, role.name(), hash, clock.millis());
            return new Account(id, checked, role);
        });
    }

    /** Replaces an account's password (null: login links only). */
    public void setPassword(long accountId, String password) {
        String hash = password == null ? null : Secrets.hashPassword(password);
        store.transaction(s -> {
            if (s.update("UPDATE accounts SET password_hash = ? WHERE id = ?", hash, accountId) == 0)
                throw new IllegalArgumentException("no account " + accountId);
            return null;
        });
    }

    @Override public String issueLoginToken(long accountId) {
        String token = Secrets.newToken();
        store.transaction(s -> {
            requireAccount(s, accountId);
            s.update("INSERT INTO login_tokens (token_hash, account_id, created) VALUES (?, ?, ?)",
                    Secrets.sha256Hex(token), accountId, clock.millis());
            return null;
        });
        return token;
    }

    @Override public Optional<Account> checkPassword(String name, String password) {
        record Stored(Account account, String hash) {}
        Stored stored = store.transaction(s -> s.first("SELECT id, name, role, password_hash FROM accounts WHERE name = ?",
                rs -> new Stored(account(rs), rs.getString(4)), name));
        boolean ok = Secrets.checkPassword(password == null ? "" : password,
                stored == null || stored.hash() == null ? NO_ACCOUNT_HASH : stored.hash());
        if (!ok || stored == null || stored.hash() == null) return Optional.empty();
        recordLogin(stored.account().id());
        return Optional.of(stored.account());
    }

    @Override public Optional<Account> redeemLoginToken(String token) {
        if (token == null || token.isEmpty()) return Optional.empty();
        String hash = Secrets.sha256Hex(token);
        long now = clock.millis();
        Account account = store.transaction(s -> {
            if (s.update("UPDATE login_tokens SET used = ? WHERE token_hash = ? AND used IS NULL", now, hash) == 0) return null;
            s.update("UPDATE accounts SET last_login = ? WHERE id = (SELECT account_id FROM login_tokens WHERE token_hash = ?)", now, hash);
            return s.first("SELECT a.id, a.name, a.role FROM accounts a JOIN login_tokens t ON t.account_id = a.id"
                    + " WHERE t.token_hash = ?", SqliteLabelingService::account, hash);
        });
        return Optional.ofNullable(account);
    }

    @Override public List<Account> accounts() {
        return store.transaction(s -> s.query("SELECT id, name, role FROM accounts ORDER BY id", SqliteLabelingService::account));
    }

    /** The account with this id, if any. */
    public Optional<Account> account(long accountId) {
        return Optional.ofNullable(store.transaction(s ->
                s.first("SELECT id, name, role FROM accounts WHERE id = ?", SqliteLabelingService::account, accountId)));
    }

    /** The account with this name, if any. */
    public Optional<Account> account(String name) {
        return Optional.ofNullable(store.transaction(s ->
                s.first("SELECT id, name, role FROM accounts WHERE name = ?", SqliteLabelingService::account, name)));
    }

    private void recordLogin(long accountId) {
        store.transaction(s -> s.update("UPDATE accounts SET last_login = ? WHERE id = ?", clock.millis(), accountId));
    }

    // ---- campaigns ----

    @Override public Campaign createCampaign(CampaignSpec spec, FeedbackData items) {
        CampaignItems checked = CampaignItems.of(spec, items);
        long created = clock.millis();
        long id = store.transaction(s -> {
            if (s.number("SELECT COUNT(*) FROM campaigns WHERE name = ?", spec.name()) > 0)
                throw new IllegalArgumentException("campaign name " + Quote.cap(spec.name()) + " is taken");
            long campaignId = s.insert("INSERT INTO campaigns (name, criterion, instructions, k, labelers_per_item, lease_ms,"
                            + " created) VALUES (?, ?, ?, ?, ?, ?, ?)", spec.name(), spec.criterion(), spec.instructions(),
                    spec.k(), spec.labelersPerItem(), spec.lease().toMillis(), created);
            checked.insert(s, campaignId, 0);
            return campaignId;
        });
        return campaign(id).orElseThrow();
    }

    /**
     * Adds items to a campaign: prompts it does not hold yet, with their completions (cut to the campaign's k), as
     * {@link #createCampaign} takes them. Prompts the campaign holds already are left as they are. Returns how many
     * prompts were added.
     */
    public int addItems(long campaignId, FeedbackData items) {
        Campaign campaign = requireCampaign(campaignId);
        return store.transaction(s -> {
            Set<String> held = new HashSet<>(s.query("SELECT prompt_id FROM prompts WHERE campaign_id = ?",
                    rs -> rs.getString(1), campaignId));
            List<Prompt> fresh = items.prompts().stream().filter(p -> !held.contains(p.id())).toList();
            List<Completion> completions = items.completions().stream().filter(c -> !held.contains(c.promptId())).toList();
            if (fresh.isEmpty()) return 0;
            CampaignItems checked = CampaignItems.of(campaign.spec().withGold(Map.of()),
                    new FeedbackData(fresh, completions, List.of()));
            int start = (int) s.number("SELECT COALESCE(MAX(position) + 1, 0) FROM prompts WHERE campaign_id = ?", campaignId);
            checked.insert(s, campaignId, start);
            return checked.size();
        });
    }

    /** What {@link #importJudgements} did: judgements added, ones the campaign held already, and why others were left out. */
    public record ImportSummary(int added, int alreadyThere, List<String> skipped) {
        public ImportSummary {
            skipped = List.copyOf(skipped);
        }
    }

    /**
     * Adds judgements made elsewhere (an earlier campaign's export, a feedback file) to a campaign, in one transaction.
     * Each labeler becomes an account of that name (a labeler without password, created when missing). A judgement
     * counts only when its criterion is the campaign's and it ranks exactly the item's shown completions (or is
     * flagged unusable); others are listed in {@link ImportSummary#skipped}. Importing the same judgement twice adds it
     * once: a labeler has at most one judgement per item.
     */
    public ImportSummary importJudgements(long campaignId, List<Judgement> judgements) {
        long now = clock.millis();
        return store.transaction(s -> {
            Campaign c = requireCampaign(s, campaignId);
            int added = 0, there = 0;
            List<String> skipped = new ArrayList<>();
            for (Judgement j : judgements) {
                String problem = importProblem(s, c, j);
                if (problem != null) {
                    skipped.add("judgement of prompt " + Quote.cap(j.promptId()) + " by " + Quote.cap(j.labelerId()) + ": " + problem);
                    continue;
                }
                long accountId = importedAccount(s, j.labelerId(), now);
                if (s.number("SELECT COUNT(*) FROM judgements WHERE campaign_id = ? AND prompt_id = ? AND account_id = ?",
                        campaignId, j.promptId(), accountId) > 0) {
                    there++;
                    continue;
                }
                long time = j.time() != null ? j.time().toEpochMilli() : now;
                s.update("INSERT INTO assignments (campaign_id, prompt_id, account_id, leased, expires, answered) VALUES (?, ?, ?, ?, ?, 1)"
                        + " ON CONFLICT (campaign_id, prompt_id, account_id) DO UPDATE SET answered = 1", campaignId, j.promptId(),
                        accountId, time, time);
                var sub = new Submission("import:" + Secrets.sha256Hex(campaignId + "\n" + j.labelerId() + "\n" + j.promptId()),
                        j.promptId(), j.ranking(), j.score(), j.notes().flags(), j.comment(), false);
                store(s, campaignId, accountId, sub, j.notes(), j.ranking(), time, Instant.ofEpochMilli(time));
                added++;
            }
            return new ImportSummary(added, there, skipped);
        });
    }

    private static String importProblem(Store s, Campaign c, Judgement j) throws SQLException {
        if (!j.criterion().equals(c.spec().criterion()))
            return "criterion " + Quote.cap(j.criterion()) + ", the campaign's is " + Quote.cap(c.spec().criterion());
        List<String> shown = s.query("SELECT completion_id FROM completions WHERE campaign_id = ? AND prompt_id = ?",
                rs -> rs.getString(1), c.id(), j.promptId());
        if (shown.isEmpty()) return "the campaign has no such item";
        if (j.unusable() && j.ranking().isEmpty()) return null;
        if (!new HashSet<>(j.ranking().ids()).equals(new HashSet<>(shown)))
            return "it ranks " + Quote.cap(j.ranking().toString()) + ", not the item's " + shown.size() + " completions";
        return null;
    }

    private static long importedAccount(Store s, String name, long now) throws SQLException {
        String checked = accountName(name);
        Long id = s.first("SELECT id FROM accounts WHERE name = ?", rs -> rs.getLong(1), checked);
        return id != null ? id : s.insert("INSERT INTO accounts (name, role, password_hash, created) VALUES (?, 'LABELER', NULL, ?)",
                checked, now);
    }

    @Override public List<Campaign> campaigns() {
        return store.transaction(s -> {
            List<Long> ids = s.query("SELECT id FROM campaigns ORDER BY id", rs -> rs.getLong(1));
            List<Campaign> out = new ArrayList<>();
            for (long id : ids) out.add(campaign(s, id));
            return out;
        });
    }

    @Override public Optional<Campaign> campaign(long campaignId) {
        return Optional.ofNullable(store.transaction(s -> campaign(s, campaignId)));
    }

    /** The campaign with this name, if any. */
    public Optional<Campaign> campaign(String name) {
        return Optional.ofNullable(store.transaction(s -> {
            Long id = s.first("SELECT id FROM campaigns WHERE name = ?", rs -> rs.getLong(1), name);
            return id == null ? null : campaign(s, id);
        }));
    }

    /** How many usable judgements the campaign still needs: Σ over items of max(0, N − usable judgements). */
    public long missingJudgements(long campaignId) {
        Campaign c = requireCampaign(campaignId);
        return store.transaction(s -> s.number("SELECT COALESCE(SUM(MAX(0, ? - done)), 0) FROM prompts WHERE campaign_id = ?",
                c.spec().labelersPerItem(), campaignId));
    }

    @Override public CampaignStats stats(long campaignId, ConsensusMethod method, double goldThreshold) {
        Campaign campaign = requireCampaign(campaignId);
        FeedbackData data = export(campaignId);
        List<CampaignStatistics.Activity> activity = store.transaction(s -> s.query(
                "SELECT a.name, COUNT(*), MIN(COALESCE(j.started, j.created)), MAX(j.created) FROM judgements j"
                        + " JOIN accounts a ON a.id = j.account_id WHERE j.campaign_id = ? AND j.skipped = 0 GROUP BY a.name",
                rs -> new CampaignStatistics.Activity(rs.getString(1), rs.getInt(2), rs.getLong(3), rs.getLong(4)), campaignId));
        return CampaignStatistics.of(campaign, data, activity, method, goldThreshold);
    }

    /** {@inheritDoc} Skips are left out; each judgement's labeler is the account's name, its time the submission's. */
    @Override public FeedbackData export(long campaignId) {
        return store.transaction(s -> {
            Campaign c = campaign(s, campaignId);
            if (c == null) throw new IllegalArgumentException("no campaign " + campaignId);
            List<Prompt> prompts = s.query("SELECT json FROM prompts WHERE campaign_id = ? ORDER BY position",
                    rs -> FeedbackJson.PROMPT.fromJson(JsonParser.parseString(rs.getString(1)).getAsJsonObject()), campaignId);
            List<Completion> completions = s.query("SELECT c.json FROM completions c JOIN prompts p ON p.campaign_id = c.campaign_id"
                            + " AND p.prompt_id = c.prompt_id WHERE c.campaign_id = ? ORDER BY p.position, c.position",
                    rs -> FeedbackJson.COMPLETION.fromJson(JsonParser.parseString(rs.getString(1)).getAsJsonObject()), campaignId);
            List<Judgement> judgements = s.query("SELECT a.name, j.prompt_id, j.ranking, j.created, j.score, j.flags, j.comment"
                            + " FROM judgements j JOIN accounts a ON a.id = j.account_id WHERE j.campaign_id = ? AND j.skipped = 0"
                            + " ORDER BY j.id", rs -> judgement(rs, c.spec().criterion()), campaignId);
            return new FeedbackData(prompts, completions, judgements);
        });
    }

    /** Every submission id stored for a campaign (skips included), the row count and the distinct (labeler, item) pairs. */
    public LoadBenchmark.StoredJudgements storedSubmissions(long campaignId) {
        return store.transaction(s -> new LoadBenchmark.StoredJudgements(
                new HashSet<>(s.query("SELECT submission_id FROM judgements WHERE campaign_id = ?", rs -> rs.getString(1), campaignId)),
                s.number("SELECT COUNT(*) FROM judgements WHERE campaign_id = ?", campaignId),
                s.number("SELECT COUNT(*) FROM (SELECT DISTINCT account_id, prompt_id FROM judgements WHERE campaign_id = ?)", campaignId)));
    }

    // ---- labeling ----

    @Override public void acknowledgeInstructions(long campaignId, long accountId) {
        long now = clock.millis();
        store.transaction(s -> {
            requireCampaign(s, campaignId);
            requireAccount(s, accountId);
            return s.update("INSERT OR IGNORE INTO acknowledgements (campaign_id, account_id, time) VALUES (?, ?, ?)",
                    campaignId, accountId, now);
        });
    }

    @Override public boolean hasAcknowledged(long campaignId, long accountId) {
        return store.transaction(s -> s.number("SELECT COUNT(*) FROM acknowledgements WHERE campaign_id = ? AND account_id = ?",
                campaignId, accountId) > 0);
    }

    /** {@inheritDoc} See {@link Assigner} for the order; throws IllegalStateException before the acknowledgement. */
    @Override public Optional<Task> nextTask(long campaignId, long accountId, Instant now) {
        return Optional.ofNullable(store.transaction(s -> {
            Campaign c = requireCampaign(s, campaignId);
            requireAccount(s, accountId);
            if (s.number("SELECT COUNT(*) FROM acknowledgements WHERE campaign_id = ? AND account_id = ?", campaignId, accountId) == 0)
                throw new IllegalStateException("acknowledge the instructions of campaign " + Quote.cap(c.spec().name()) + " first");
            return Assigner.next(s, c, accountId, now);
        }));
    }

    /**
     * {@inheritDoc} The item must have been given to this labeler (a lease, live or expired: late work is kept even if
     * the item went to someone else meanwhile) and not answered yet (else IllegalStateException); a submission id used
     * by another labeler or campaign is an IllegalArgumentException.
     */
    @Override public SubmitResult submit(long campaignId, long accountId, Submission submission, Instant now) {
        Judgement.Notes notes = SubmissionCheck.basic(submission);
        return store.transaction(s -> {
            Long owner = s.first("SELECT account_id FROM judgements WHERE submission_id = ? AND campaign_id = ?",
                    rs -> rs.getLong(1), submission.submissionId(), campaignId);
            if (owner != null && owner == accountId) return new SubmitResult(true, progress(s, campaignId, accountId));
            if (owner != null || s.number("SELECT COUNT(*) FROM judgements WHERE submission_id = ?", submission.submissionId()) > 0)
                throw new IllegalArgumentException("submission id " + Quote.cap(submission.submissionId()) + " belongs to another answer");
            requireCampaign(s, campaignId);
            Long leased = s.first("SELECT leased FROM assignments WHERE campaign_id = ? AND prompt_id = ? AND account_id = ?",
                    rs -> rs.getLong(1), campaignId, submission.promptId(), accountId);
            if (leased == null)
                throw new IllegalStateException("item " + Quote.cap(submission.promptId()) + " was not given to this labeler");
            if (s.number("SELECT COUNT(*) FROM judgements WHERE campaign_id = ? AND prompt_id = ? AND account_id = ?",
                    campaignId, submission.promptId(), accountId) > 0)
                throw new IllegalStateException("item " + Quote.cap(submission.promptId()) + " is answered already");
            List<String> shown = s.query("SELECT completion_id FROM completions WHERE campaign_id = ? AND prompt_id = ?",
                    rs -> rs.getString(1), campaignId, submission.promptId());
            Ranking ranking = SubmissionCheck.ranking(submission, shown);
            store(s, campaignId, accountId, submission, notes, ranking, leased, now);
            return new SubmitResult(false, progress(s, campaignId, accountId));
        });
    }

    private static void store(Store s, long campaignId, long accountId, Submission sub, Judgement.Notes notes,
                              Ranking ranking, long leased, Instant now) throws SQLException {
        boolean unusable = notes.flags().contains(Judgement.UNUSABLE);
        s.update("INSERT INTO judgements (submission_id, campaign_id, prompt_id, account_id, ranking, unusable, skipped, comment,"
                        + " created, score, flags, started) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                sub.submissionId(), campaignId, sub.promptId(), accountId, Rows.rankingJson(ranking), unusable ? 1 : 0,
                sub.skipped() ? 1 : 0, notes.comment(), now.toEpochMilli(), notes.score(), Rows.flags(notes.flags()), leased);
        s.update("UPDATE assignments SET answered = 1 WHERE campaign_id = ? AND prompt_id = ? AND account_id = ?",
                campaignId, sub.promptId(), accountId);
        if (!sub.skipped() && !unusable)
            s.update("UPDATE prompts SET done = done + 1 WHERE campaign_id = ? AND prompt_id = ?", campaignId, sub.promptId());
    }

    @Override public LabelerProgress progress(long campaignId, long accountId) {
        return store.transaction(s -> {
            requireCampaign(s, campaignId);
            return progress(s, campaignId, accountId);
        });
    }

    /** {@inheritDoc} {@code available} does not subtract other labelers' live leases: it is an upper bound. */
    private LabelerProgress progress(Store s, long campaignId, long accountId) throws SQLException {
        long done = s.number("SELECT COUNT(*) FROM judgements WHERE campaign_id = ? AND account_id = ? AND skipped = 0", campaignId, accountId);
        long skipped = s.number("SELECT COUNT(*) FROM judgements WHERE campaign_id = ? AND account_id = ? AND skipped = 1", campaignId, accountId);
        // open items (two indexed counts: below N, gold at or above N) less the open items this labeler answered
        long n = s.number("SELECT labelers_per_item FROM campaigns WHERE id = ?", campaignId);
        long available = s.number("SELECT COUNT(*) FROM prompts WHERE campaign_id = ? AND done < ?", campaignId, n)
                + s.number("SELECT COUNT(*) FROM prompts WHERE campaign_id = ? AND gold_ranking IS NOT NULL AND done >= ?", campaignId, n)
                - s.number("SELECT COUNT(*) FROM judgements j WHERE j.campaign_id = ? AND j.account_id = ? AND EXISTS (SELECT 1 FROM"
                + " prompts p WHERE p.campaign_id = j.campaign_id AND p.prompt_id = j.prompt_id AND (p.done < ? OR p.gold_ranking IS NOT NULL))",
                campaignId, accountId, n);   // driven by this labeler's answers, not by the campaign's items
        return new LabelerProgress((int) done, (int) skipped, (int) available);
    }

    @Override public void close() { store.close(); }

    // ---- rows ----

    private Campaign requireCampaign(long campaignId) {
        return campaign(campaignId).orElseThrow(() -> new IllegalArgumentException("no campaign " + campaignId));
    }

    private static Campaign requireCampaign(Store s, long campaignId) throws SQLException {
        Campaign c = campaign(s, campaignId);
        if (c == null) throw new IllegalArgumentException("no campaign " + campaignId);
        return c;
    }

    private static void requireAccount(Store s, long accountId) throws SQLException {
        if (s.number("SELECT COUNT(*) FROM accounts WHERE id = ?", accountId) == 0)
            throw new IllegalArgumentException("no account " + accountId);
    }

    private static Campaign campaign(Store s, long id) throws SQLException {
        Map<String, Ranking> gold = new LinkedHashMap<>();
        for (String[] row : s.query("SELECT prompt_id, gold_ranking FROM prompts WHERE campaign_id = ? AND gold_ranking IS NOT NULL"
                + " ORDER BY position", rs -> new String[] {rs.getString(1), rs.getString(2)}, id))
            gold.put(row[0], Rows.ranking(row[1]));
        return s.first("SELECT c.name, c.criterion, c.instructions, c.k, c.labelers_per_item, c.lease_ms, c.created,"
                + " (SELECT COUNT(*) FROM prompts p WHERE p.campaign_id = c.id),"
                + " (SELECT COUNT(*) FROM prompts p WHERE p.campaign_id = c.id AND p.done >= c.labelers_per_item)"
                + " FROM campaigns c WHERE c.id = ?", rs -> new Campaign(id,
                new CampaignSpec(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getInt(5),
                        Duration.ofMillis(rs.getLong(6)), gold), rs.getInt(8), rs.getInt(9), Instant.ofEpochMilli(rs.getLong(7))), id);
    }

    private static Account account(ResultSet rs) throws SQLException {
        return new Account(rs.getLong(1), rs.getString(2), Role.valueOf(rs.getString(3)));
    }

    private static Judgement judgement(ResultSet rs, String criterion) throws SQLException {
        Integer score = rs.getObject(5) == null ? null : rs.getInt(5);
        var notes = new Judgement.Notes(score, Rows.flags(rs.getString(6)), rs.getString(7));
        return new Judgement(rs.getString(1), criterion, rs.getString(2), Rows.ranking(rs.getString(3)),
                Instant.ofEpochMilli(rs.getLong(4)), notes);
    }

    private static String accountName(String name) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("an account needs a name");
        String n = name.strip();
        if (n.length() > 64) throw new IllegalArgumentException("account name " + Quote.cap(n) + " is longer than 64 characters");
        if (n.chars().anyMatch(Character::isISOControl))
            throw new IllegalArgumentException("account name " + Quote.cap(n) + " holds a control character");
        return n;
    }
}
