package rlhf4j.rlhf.label;

import java.util.ArrayList;
import java.util.List;
import rlhf4j.rlhf.feedback.Judgement;

/** Runs automatic labelers over items: every labeler judges every item with at least two completions. */
public final class SimulatedLabeling {
    private SimulatedLabeling() {}

    public static List<Judgement> label(List<LabelItem> items, List<? extends Labeler> labelers) {
        List<Judgement> judgements = new ArrayList<>();
        for (LabelItem item : items) {
            if (item.completions().size() < 2) continue;
            for (Labeler labeler : labelers) judgements.add(labeler.judge(item));
        }
        return judgements;
    }
}
