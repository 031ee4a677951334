package rlhf4j.rlhf.serve;

import com.google.gson.JsonParser;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.serve.LabelingService.Campaign;
import rlhf4j.rlhf.serve.LabelingService.Task;

/**
 * Which item a labeler gets next, inside the caller's transaction.
 * <ol>
 *   <li>The labeler's own live lease, if one is unanswered: a reload shows the same item.</li>
 *   <li>A gold item the labeler has not answered, when it is gold's turn: the labeler's first item, then one after
 *       every {@value #GOLD_EVERY} other answers. Gold items are not capped at N: every labeler meets each of them,
 *       which is what screening needs.</li>
 *   <li>Otherwise, finish first: among items the labeler has not answered (a skip is an answer) whose usable
 *       judgements plus other labelers' live leases are fewer than N, the one with the most usable judgements, ties
 *       by campaign order. An expired lease no longer counts, so its item goes to the next labeler who asks.</li>
 * </ol>
 * The completions come in an order shuffled per (campaign, labeler, item) by a seed derived from the three, so the
 * same labeler sees the same order on every reload and different labelers see different orders.
 */
final class Assigner {
    /** A gold item after this many other answers. */
    static final int GOLD_EVERY = 5;

    private Assigner() {}

    static Task next(Store s, Campaign c, long accountId, Instant now) throws SQLException {
        long t = now.toEpochMilli();
        record Lease(String promptId, long expires) {}
        Lease live = s.first("SELECT prompt_id, expires FROM assignments WHERE campaign_id = ? AND account_id = ? AND answered = 0"
                + " AND expires > ? ORDER BY leased, prompt_id LIMIT 1", rs -> new Lease(rs.getString(1), rs.getLong(2)),
                c.id(), accountId, t);
        if (live != null) return task(s, c.id(), accountId, live.promptId(), live.expires());
        String promptId = goldTurn(s, c.id(), accountId) ? nextGold(s, c.id(), accountId) : null;
        if (promptId == null) promptId = nextOpen(s, c, accountId, t);
        if (promptId == null) return null;
        long expires = t + c.spec().lease().toMillis();
        s.update("INSERT INTO assignments (campaign_id, prompt_id, account_id, leased, expires) VALUES (?, ?, ?, ?, ?)"
                + " ON CONFLICT (campaign_id, prompt_id, account_id) DO UPDATE SET leased = excluded.leased,"
                + " expires = excluded.expires", c.id(), promptId, accountId, t, expires);
        return task(s, c.id(), accountId, promptId, expires);
    }

    private static boolean goldTurn(Store s, long campaignId, long accountId) throws SQLException {
        // both counts walk this labeler's answers (an index range), never the campaign's items
        long answered = s.number("SELECT COUNT(*) FROM judgements WHERE campaign_id = ? AND account_id = ?", campaignId, accountId);
        long gold = s.number("SELECT COUNT(*) FROM judgements j WHERE j.campaign_id = ? AND j.account_id = ? AND EXISTS (SELECT 1"
                + " FROM prompts p WHERE p.campaign_id = j.campaign_id AND p.prompt_id = j.prompt_id AND p.gold_ranking IS NOT NULL)",
                campaignId, accountId);
        return gold * GOLD_EVERY <= answered - gold;
    }

    private static String nextGold(Store s, long campaignId, long accountId) throws SQLException {
        return s.first("SELECT p.prompt_id FROM prompts p WHERE p.campaign_id = ? AND p.gold_ranking IS NOT NULL"
                + " AND NOT EXISTS (SELECT 1 FROM judgements j WHERE j.campaign_id = p.campaign_id AND j.prompt_id = p.prompt_id"
                + " AND j.account_id = ?) ORDER BY p.position LIMIT 1", rs -> rs.getString(1), campaignId, accountId);
    }

    /**
     * One indexed walk per level of usable judgements, from N − 1 down to 0, each stopping at its first eligible item
     * in campaign order: a large campaign costs a few index steps, not a sort of every open item.
     */
    private static String nextOpen(Store s, Campaign c, long accountId, long now) throws SQLException {
        int n = c.spec().labelersPerItem();
        for (int done = n - 1; done >= 0; done--) {
            String id = s.first("SELECT p.prompt_id FROM prompts p WHERE p.campaign_id = ? AND p.done = ?"
                    + " AND NOT EXISTS (SELECT 1 FROM judgements j WHERE j.campaign_id = p.campaign_id AND j.prompt_id = p.prompt_id"
                    + " AND j.account_id = ?)"
                    + " AND p.done + (SELECT COUNT(*) FROM assignments a WHERE a.campaign_id = p.campaign_id AND a.prompt_id = p.prompt_id"
                    + " AND a.answered = 0 AND a.expires > ? AND a.account_id <> ?) < ?"
                    + " ORDER BY p.position LIMIT 1", rs -> rs.getString(1), c.id(), done, accountId, now, accountId, n);
            if (id != null) return id;
        }
        return null;
    }

    private static Task task(Store s, long campaignId, long accountId, String promptId, long expires) throws SQLException {
        Prompt prompt = s.first("SELECT json FROM prompts WHERE campaign_id = ? AND prompt_id = ?",
                rs -> FeedbackJson.PROMPT.fromJson(JsonParser.parseString(rs.getString(1)).getAsJsonObject()), campaignId, promptId);
        List<Completion> completions = new ArrayList<>(s.query("SELECT json FROM completions WHERE campaign_id = ? AND prompt_id = ?"
                + " ORDER BY position", rs -> FeedbackJson.COMPLETION.fromJson(JsonParser.parseString(rs.getString(1)).getAsJsonObject()),
                campaignId, promptId));
        Collections.shuffle(completions, new Random(shuffleSeed(campaignId, accountId, promptId)));
        return new Task(campaignId, promptId, prompt, List.copyOf(completions), Instant.ofEpochMilli(expires));
    }

    /** A seed from (campaign, labeler, item) only: String.hashCode and the SplitMix64 finaliser are fixed by spec. */
    static long shuffleSeed(long campaignId, long accountId, String promptId) {
        long z = campaignId * 0x9E3779B97F4A7C15L + accountId * 0xD1B54A32D192ED03L + promptId.hashCode();
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
