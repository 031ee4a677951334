package rlhf4j.rlhf.consensus;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import rlhf4j.tensor.CounterRng;

/**
 * Which prompts are held out from reward-model training: a prompt is held out when its id hashes into the last
 * {@code percent} of [0, 100), i.e. {@code floorMod(CounterRng.bits(id.hashCode(), 0x5eed), 100) >= 100 − percent}.
 * The split depends on the id alone, so it is the same whatever the order or the other prompts of a file.
 *
 * @param percent held-out share in [0, 100]
 */
public record HeldOutSplit(int percent) {
    public HeldOutSplit {
        if (percent < 0 || percent > 100) throw new IllegalArgumentException("held-out percent " + percent + " must be in [0, 100]");
    }

    /** The items split in two, each list keeping the input order. */
    public record Split<T>(List<T> train, List<T> heldOut) {
        public Split {
            train = List.copyOf(train);
            heldOut = List.copyOf(heldOut);
        }
    }

    public boolean isHeldOut(String promptId) {
        return Math.floorMod(CounterRng.bits(promptId.hashCode(), 0x5eed), 100) >= 100 - percent;
    }

    public <T> Split<T> split(List<T> items, Function<? super T, String> promptId) {
        List<T> train = new ArrayList<>(), held = new ArrayList<>();
        for (T item : items) (isHeldOut(promptId.apply(item)) ? held : train).add(item);
        return new Split<>(train, held);
    }

    /** Preference groups split by their prompt's id. */
    public Split<PreferenceGroup> groups(List<PreferenceGroup> groups) { return split(groups, g -> g.prompt().id()); }
}
