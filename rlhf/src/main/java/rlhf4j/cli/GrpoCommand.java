package rlhf4j.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import rlhf4j.rlhf.grpo.Baseline;
import rlhf4j.rlhf.grpo.GrpoConfig;
import rlhf4j.rlhf.stage.GrpoStage;

/** GRPO (or Dr. GRPO) against a reward ({@link GrpoStage}); writes what {@code ppo} writes, and resumes the same way. */
@Command(name = "grpo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Fine-tune a policy with GRPO (group-normalised advantages, no critic) against a reward model, classifier or oracle.")
public final class GrpoCommand extends CriticFreeCommand {
    @Option(names = "--variant", defaultValue = "grpo", description = "grpo: (r − mean)/(std + ε), tokens averaged per completion; "
            + "dr-grpo: r − mean, no length normalisation (default: ${DEFAULT-VALUE})")
    String variant;
    @Option(names = "--std-epsilon", defaultValue = "" + GrpoConfig.Defaults.EPSILON, description = "ε added to the group's std (default: ${DEFAULT-VALUE})")
    double stdEpsilon;

    @Override Baseline baseline() {
        if (!variant.equals("grpo") && !variant.equals("dr-grpo"))
            throw new IllegalArgumentException("--variant " + variant + ": expected grpo or dr-grpo");
        return Baseline.parse(variant);
    }

    @Override double epsilon() { return stdEpsilon; }
}
