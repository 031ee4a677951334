package rlhf4j.rlhf.serve;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.FeedbackData;
import rlhf4j.rlhf.feedback.FeedbackJson;
import rlhf4j.rlhf.feedback.Prompt;
import rlhf4j.rlhf.feedback.Ranking;
import rlhf4j.rlhf.serve.LabelingService.CampaignSpec;
import rlhf4j.tensor.io.Quote;

/**
 * A campaign's items checked before anything is written: each prompt with completions keeps its first k (prompts
 * without completions are no items; one with a single completion is refused), and every gold ranking names a campaign
 * item and only its shown completions.
 */
final class CampaignItems {
    /** One item: the prompt, the completions shown, the known answer or null. */
    record Item(Prompt prompt, List<Completion> completions, Ranking gold) {}

    private final List<Item> items;

    private CampaignItems(List<Item> items) { this.items = items; }

    static CampaignItems of(CampaignSpec spec, FeedbackData data) {
        checkSpec(spec);
        Map<String, List<Completion>> byPrompt = data.completionsByPrompt();
        List<Item> items = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (Prompt p : data.prompts()) {
            List<Completion> cs = byPrompt.getOrDefault(p.id(), List.of());
            if (cs.isEmpty()) continue;
            if (!ids.add(p.id())) throw new IllegalArgumentException("prompt id " + Quote.cap(p.id()) + " appears twice");
            if (cs.size() < 2)
                throw new IllegalArgumentException("prompt " + Quote.cap(p.id()) + " has one completion; an item needs at least 2");
            List<Completion> shown = List.copyOf(cs.subList(0, Math.min(spec.k(), cs.size())));
            items.add(new Item(p, shown, gold(spec, p.id(), shown)));
        }
        if (items.isEmpty()) throw new IllegalArgumentException("no items: no prompt has completions");
        for (String goldId : spec.gold().keySet()) {
            if (!ids.contains(goldId))
                throw new IllegalArgumentException("gold prompt " + Quote.cap(goldId) + " is not among the campaign's items");
        }
        return new CampaignItems(items);
    }

    private static void checkSpec(CampaignSpec spec) {
        if (spec.name() == null || spec.name().isBlank()) throw new IllegalArgumentException("a campaign needs a name");
        if (spec.criterion() == null || spec.criterion().isBlank()) throw new IllegalArgumentException("a campaign needs a criterion");
        if (spec.instructions() == null) throw new IllegalArgumentException("a campaign needs instructions");
        if (spec.k() < 2) throw new IllegalArgumentException("k " + spec.k() + ": an item needs at least 2 completions");
        if (spec.labelersPerItem() < 1)
            throw new IllegalArgumentException("labelers per item " + spec.labelersPerItem() + " must be at least 1");
        if (spec.lease() == null || spec.lease().toMillis() <= 0)
            throw new IllegalArgumentException("lease " + spec.lease() + " must be positive");
    }

    private static Ranking gold(CampaignSpec spec, String promptId, List<Completion> shown) {
        Ranking gold = spec.gold().get(promptId);
        if (gold == null) return null;
        Set<String> shownIds = new HashSet<>();
        shown.forEach(c -> shownIds.add(c.id()));
        for (String id : gold.ids()) {
            if (!shownIds.contains(id))
                throw new IllegalArgumentException("gold ranking of prompt " + Quote.cap(promptId) + " names completion "
                        + Quote.cap(id) + ", which is not among the item's " + shown.size() + " shown completions");
        }
        if (gold.size() < 2) throw new IllegalArgumentException("gold ranking of prompt " + Quote.cap(promptId) + " ranks fewer than 2 completions");
        return gold;
    }

    int size() { return items.size(); }

    List<Item> items() { return items; }

    /** Writes the items of campaign {@code campaignId}, positions from {@code start}. */
    void insert(Store s, long campaignId, int start) throws SQLException {
        int position = start;
        for (Item item : items) {
            s.update("INSERT INTO prompts (campaign_id, prompt_id, position, json, gold_ranking) VALUES (?, ?, ?, ?, ?)",
                    campaignId, item.prompt().id(), position++, FeedbackJson.PROMPT.toJson(item.prompt()).toString(),
                    item.gold() == null ? null : Rows.rankingJson(item.gold()));
            int i = 0;
            for (Completion c : item.completions()) {
                s.update("INSERT INTO completions (campaign_id, completion_id, prompt_id, position, json) VALUES (?, ?, ?, ?, ?)",
                        campaignId, c.id(), c.promptId(), i++, FeedbackJson.COMPLETION.toJson(c).toString());
            }
        }
    }
}
