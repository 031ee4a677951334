package rlhf4j.rlhf.grpo;

import java.util.Locale;

/**
 * How a group's scores become advantages, and how the loss averages its tokens ({@link GroupAdvantages},
 * {@link GrpoLoss}).
 */
public enum Baseline {
    /** GRPO (Shao et al. 2024): A_i = (r_i − mean_group)/(std_group + ε); the loss averages each completion's tokens. */
    GRPO,
    /** Dr. GRPO (Liu et al. 2025): A_i = r_i − mean_group; every token weighs 1/(G·N_max), whatever its completion's length. */
    DR_GRPO,
    /** RLOO (Ahmadian et al. 2024): A_i = r_i − mean of the other K − 1 scores; tokens averaged per completion as GRPO. */
    RLOO;

    /** The name used in flags and configs: grpo, dr-grpo, rloo. */
    public String id() { return name().toLowerCase(Locale.ROOT).replace('_', '-'); }

    /** The baseline named by {@link #id()}; else an IllegalArgumentException naming the choices. */
    public static Baseline parse(String id) {
        for (Baseline b : values()) if (b.id().equals(id)) return b;
        throw new IllegalArgumentException("unknown baseline '" + id + "': expected grpo, dr-grpo or rloo");
    }

    /** Whether each completion's token losses are averaged over its own length (false: over the fixed N_max). */
    public boolean lengthNormalised() { return this != DR_GRPO; }
}
