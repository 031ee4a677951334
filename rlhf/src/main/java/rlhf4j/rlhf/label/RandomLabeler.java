package rlhf4j.rlhf.label;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import rlhf4j.rlhf.feedback.Completion;
import rlhf4j.rlhf.feedback.Judgement;

/**
 * A labeler that ranks uniformly at random, ignoring the text: a stand-in for a careless or adversarial labeler, to
 * check that agreement statistics and consensus catch one. Seeded per item like {@link SimulatedLabeler}.
 */
public final class RandomLabeler implements Labeler {
    private final String id;
    private final String criterion;
    private final long seed;
    private final Clock clock;

    public RandomLabeler(String id, String criterion, long seed, Clock clock) {
        this.id = id;
        this.criterion = criterion;
        this.seed = seed;
        this.clock = clock;
    }

    public RandomLabeler(String id, String criterion, long seed) { this(id, criterion, seed, Clock.systemUTC()); }

    @Override public String id() { return id; }

    @Override public String criterion() { return criterion; }

    @Override public Judgement judge(LabelItem item) {
        SplittableRandom random = SimulatedLabeler.itemRandom(seed, item);
        List<SimulatedLabeler.Keyed> keyed = new ArrayList<>();
        for (Completion c : item.completions()) keyed.add(new SimulatedLabeler.Keyed(c.id(), random.nextDouble()));
        return Judgement.of(id, criterion, item.prompt().id(), SimulatedLabeler.rankByKey(keyed), clock.instant());
    }
}
