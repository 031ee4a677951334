package rlhf4j.rlhf.serve;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import rlhf4j.rlhf.consensus.AgreementReport;
import rlhf4j.rlhf.consensus.ConsensusMethod;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.feedback.Ranking;

/**
 * Labeling campaigns: what {@code rlhf4j serve}'s web server, its CLI ({@code serve campaign ...}) and the pipeline
 * call. A campaign holds prompts with K completions each; every item goes to {@code labelersPerItem} distinct
 * labelers, who each rank its completions (ties allowed) under one criterion. The implementation keeps everything in
 * one SQLite database, and commits a submission before {@link #submit} returns.
 *
 * <p>Labelers never see each other's answers: nothing here returns another labeler's judgement to a labeler; only
 * the admin methods ({@link #stats}, {@link #export}) read across labelers.
 */
public interface LabelingService extends AutoCloseable {

    /** Who may do what: labelers label, admins create campaigns, read statistics and export. */
    enum Role { LABELER, ADMIN }

    /** A person who logs in. {@code id} is the database key; {@code name} is unique. */
    record Account(long id, String name, Role role) {}

    /**
     * What a campaign asks of its labelers.
     *
     * @param name            unique, shown to labelers
     * @param criterion       helpfulness, harmlessness, honesty, or any word
     * @param instructions    Markdown shown before the first item (rendered without raw HTML)
     * @param k               completions shown per item (items with more are cut to the first k; fewer than 2: refused)
     * @param labelersPerItem N: distinct labelers each item needs
     * @param lease           how long an assigned item stays reserved for a labeler before it may go to someone else
     * @param gold            known answers for screening labelers, by prompt id (may be empty)
     */
    record CampaignSpec(String name, String criterion, String instructions, int k, int labelersPerItem,
                        Duration lease, Map<String, Ranking> gold) {
        public CampaignSpec {
            gold = gold == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(gold));
        }

        public CampaignSpec withName(String n) { return new CampaignSpec(n, criterion, instructions, k, labelersPerItem, lease, gold); }
        public CampaignSpec withInstructions(String i) { return new CampaignSpec(name, criterion, i, k, labelersPerItem, lease, gold); }
        public CampaignSpec withLabelersPerItem(int n) { return new CampaignSpec(name, criterion, instructions, k, n, lease, gold); }
        public CampaignSpec withLease(Duration l) { return new CampaignSpec(name, criterion, instructions, k, labelersPerItem, l, gold); }
        public CampaignSpec withGold(Map<String, Ranking> g) { return new CampaignSpec(name, criterion, instructions, k, labelersPerItem, lease, g); }
    }

    /** A campaign as stored, with its progress. {@code itemsDone} counts items with N usable judgements. */
    record Campaign(long id, CampaignSpec spec, int items, int itemsDone, Instant created) {}

    /**
     * One item leased to one labeler: the prompt and its completions in this labeler's own shuffled order (the order
     * is fixed per labeler and item, so a reload shows the same order).
     */
    record Task(long campaignId, String promptId, Prompt prompt, List<Completion> completions, Instant leaseExpires) {}

    /**
     * A labeler's answer to a task.
     *
     * @param submissionId client-generated (a UUID); a retry with the same id is answered as the first was
     * @param ranking      completion ids best first, ties as shared tiers; empty when {@code skipped} or flagged unusable
     * @param score        overall quality 1..7 of the best completion, or {@code null}
     * @param flags        any of {@code unusable}, {@code harmful} (InstructGPT's metadata), or empty
     * @param comment      free text or {@code null}
     * @param skipped      the labeler passed on the item: it goes to someone else, never back to this labeler
     */
    record Submission(String submissionId, String promptId, Ranking ranking, Integer score, Set<String> flags,
                      String comment, boolean skipped) {}

    /** {@code duplicate}: the submission id was seen before and nothing new was stored. */
    record SubmitResult(boolean duplicate, LabelerProgress progress) {}

    /** How far one labeler is in one campaign. {@code available}: items this labeler may still be given. */
    record LabelerProgress(int done, int skipped, int available) {}

    /** One labeler's line in the admin view. {@code goldAccuracy} is NaN without gold items judged. */
    record LabelerStats(String name, int judgements, double perHour, double agreementWithConsensus,
                        double goldAccuracy, boolean flaggedLowQuality) {}

    /**
     * The admin view of a campaign; {@code agreement} is the same report {@code labels stats} prints (null when no
     * judgement exists yet).
     */
    record CampaignStats(Campaign campaign, int judgements, List<LabelerStats> labelers, AgreementReport agreement,
                         double krippendorffAlpha, ConsensusMethod method) {}

    // ---- accounts ----

    /** Adds an account with a password (stored hashed); returns it. A taken name is refused. */
    Account addAccount(String name, Role role, String password);

    /** A fresh single-use login link token for an account (stored hashed); the link logs in without a password. */
    String issueLoginToken(long accountId);

    /** The account whose name and password match, if any. */
    Optional<Account> checkPassword(String name, String password);

    /** The account of an unused login token, consuming it. */
    Optional<Account> redeemLoginToken(String token);

    List<Account> accounts();

    // ---- campaigns (admin) ----

    /** Creates a campaign over {@code items}' prompts and completions (judgements in it are ignored). */
    Campaign createCampaign(CampaignSpec spec, FeedbackData items);

    List<Campaign> campaigns();

    Optional<Campaign> campaign(long campaignId);

    /** Agreement, consensus and per-labeler figures, computed by the same code as {@code labels stats}. */
    CampaignStats stats(long campaignId, ConsensusMethod method, double goldThreshold);

    /** Every stored judgement, with the campaign's prompts and completions, as the project's feedback data. */
    FeedbackData export(long campaignId);

    // ---- labeling ----

    /** Records that the labeler read the campaign's instructions; {@link #nextTask} refuses until then. */
    void acknowledgeInstructions(long campaignId, long accountId);

    boolean hasAcknowledged(long campaignId, long accountId);

    /**
     * The labeler's current lease if one is live, else a new lease on the item closest to completion that this labeler
     * has not judged or skipped and that has fewer than N judgements plus live leases. Empty when nothing is left.
     */
    Optional<Task> nextTask(long campaignId, long accountId, Instant now);

    /** Stores the answer (committed before returning); idempotent by {@code submissionId}. */
    SubmitResult submit(long campaignId, long accountId, Submission submission, Instant now);

    LabelerProgress progress(long campaignId, long accountId);

    @Override void close();
}
