package rlhf4j.rlhf.consensus;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import rlhf4j.rlhf.feedback.ItemKey;
import rlhf4j.rlhf.feedback.Judgement;
import rlhf4j.rlhf.feedback.Ranking;

/** Groups judgements by item and aggregates each item's rankings. Judgements flagged unusable take no part. */
public final class Consensus {
    private Consensus() {}

    /** The usable judgements of each item, items in order of first appearance. */
    public static Map<ItemKey, List<Judgement>> byItem(Collection<Judgement> judgements) {
        Map<ItemKey, List<Judgement>> items = new LinkedHashMap<>();
        for (Judgement j : judgements) {
            if (!j.unusable()) items.computeIfAbsent(j.item(), k -> new ArrayList<>()).add(j);
        }
        return items;
    }

    /** Each item's consensus ranking under {@code method}. */
    public static Map<ItemKey, Ranking> rankings(Collection<Judgement> judgements, ConsensusMethod method) {
        Map<ItemKey, Ranking> consensus = new LinkedHashMap<>();
        byItem(judgements).forEach((item, js) ->
                consensus.put(item, method.aggregate(js.stream().map(Judgement::ranking).toList())));
        return consensus;
    }
}
