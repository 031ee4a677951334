package rlhf4j.transformer.train;

import java.nio.file.Path;
import java.util.Map;
import rlhf4j.tensor.Device;
import rlhf4j.transformer.gpt2.Gpt2;
import rlhf4j.transformer.run.RunLock;

/**
 * {@code CheckpointChild DIR ITERS [resume]}: a tiny pretraining run in its own process that evaluates and saves
 * into DIR at every step (see TrainingRunGuardTest); with "resume" it continues from DIR's newest valid checkpoint
 * and prints "resumed from PATH at step N".
 */
public final class CheckpointChild {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        TrainConfig c = TrainingRunGuardTest.everyStep(Integer.parseInt(args[1]));
        try (RunLock lock = RunLock.checkpointDirectory(dir)) {
            TrainingCheckpoint.store(dir).cleanTemporaries();
            Path from = null;
            CausalLmTrainer t;
            if (args.length > 2) {
                from = TrainingCheckpoint.resolve(dir, System.out::println);
                t = CausalLmTrainerTest.trainer((Gpt2) TrainingCheckpoint.loadForResume(from, Device.CPU), c);
                TrainingCheckpoint.restore(from, t);
                System.out.println("resumed from " + from + " at step " + t.step());
            } else {
                t = CausalLmTrainerTest.trainer(new Gpt2(CausalLmTrainerTest.TINY, 1), c);
            }
            new TrainingRun(t, dir, TrainingCheckpointTest.TOK, Map.of(), ProgressBar.on(System.err, c.iters()))
                    .resumedFrom(from).run();
        }
    }
}
