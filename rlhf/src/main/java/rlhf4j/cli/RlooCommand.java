package rlhf4j.cli;

import picocli.CommandLine.Command;
import rlhf4j.rlhf.grpo.Baseline;
import rlhf4j.rlhf.stage.GrpoStage;

/** RLOO against a reward: GRPO's loop ({@link GrpoStage}) with the leave-one-out baseline; K is --group-size. */
@Command(name = "rloo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Fine-tune a policy with RLOO (K samples per prompt, leave-one-out baseline, no critic) against a reward model, classifier or oracle.")
public final class RlooCommand extends CriticFreeCommand {
    @Override Baseline baseline() { return Baseline.RLOO; }
}
