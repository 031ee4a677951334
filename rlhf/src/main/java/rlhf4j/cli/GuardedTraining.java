package rlhf4j.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import rlhf4j.transformer.run.RunLock;
import rlhf4j.transformer.train.TrainingCheckpoint;
import rlhf4j.transformer.train.TrainingDivergedException;

/** What pretrain and sft do around training: one run per --out, crashed saves cleaned up, divergence as exit 3. */
final class GuardedTraining {
    private GuardedTraining() {}

    static int run(Path out, double divergenceFactor, PrintStream err, Callable<Integer> train) throws Exception {
        if (out == null) throw new IllegalArgumentException("--out is required");
        if (!(divergenceFactor > 1)) throw new IllegalArgumentException("--divergence-factor " + divergenceFactor + " must be > 1");
        try (RunLock lock = RunLock.checkpointDirectory(out)) {
            for (Path stale : TrainingCheckpoint.store(out).cleanTemporaries()) err.println("removed " + stale + " (left by an interrupted save)");
            return train.call();
        } catch (TrainingDivergedException e) {
            err.println();
            err.println("training stopped: " + e.getMessage());
            return 3;
        }
    }
}
