package rlhf4j.transformer.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import rlhf4j.transformer.run.CheckpointStore;
import rlhf4j.transformer.tokenizer.Tokenizer;

/**
 * The outer loop shared by pretraining and SFT: steps the trainer to {@code config.iters}, evaluates every
 * evalInterval steps and at the end, prints each evaluation on its own line, and saves a checkpoint after it.
 * A {@link DivergenceGuard} vets every step and evaluation first: a state with a non-finite or diverged loss, or bad
 * weights, is never saved; the run stops with a {@link TrainingDivergedException} naming the last good checkpoint.
 * The checkpoint with the lowest validation loss is also kept apart as DIR.best.
 */
public final class TrainingRun {
    private final CausalLmTrainer trainer;
    private final Path out;
    private final Tokenizer tokenizer;
    private final Map<String, String> runInfo;
    private final ProgressBar bar;
    private DivergenceGuard guard = new DivergenceGuard(DivergenceGuard.DEFAULT_FACTOR);
    private Path lastGood;

    /**
     * @param out     the checkpoint directory, rewritten at every evaluation; null to save nothing
     * @param runInfo facts stored in the checkpoint's trainer state (command, data file, ...)
     * @param bar     shows progress and prints the evaluation lines
     */
    public TrainingRun(CausalLmTrainer trainer, Path out, Tokenizer tokenizer, Map<String, String> runInfo, ProgressBar bar) {
        this.trainer = trainer;
        this.out = out;
        this.tokenizer = tokenizer;
        this.runInfo = Map.copyOf(runInfo);
        this.bar = trainer.world().isRoot() ? bar : ProgressBar.on(new java.io.PrintStream(
                java.io.OutputStream.nullOutputStream()), trainer.config().iters());      // rank 0 reports for all
    }

    /** Sets how far above its running best a loss may go before the run counts as diverged. Returns this. */
    public TrainingRun divergenceFactor(double factor) {
        this.guard = new DivergenceGuard(factor);
        return this;
    }

    /** The checkpoint the trainer was restored from (named as the last good one until this run saves). Returns this. */
    public TrainingRun resumedFrom(Path checkpoint) {
        this.lastGood = checkpoint;
        return this;
    }

    /** Trains to the configured number of steps; returns the last evaluation's losses (empty if no step ran). */
    public Map<String, Double> run() throws IOException { return run(trainer.config().iters()); }

    /**
     * Trains to step {@code stopAt} (at most the configured iters), then evaluates and saves, so that a later
     * {@code --resume} finishes the run as if it had never stopped.
     *
     * @throws TrainingDivergedException when the guard rejects a step or an evaluation (nothing of it is saved)
     */
    public Map<String, Double> run(int stopAt) throws IOException {
        int until = Math.min(stopAt, trainer.config().iters());
        Map<String, Double> last = Map.of();
        guard.seed("val", trainer.bestValLoss());
        bar.start(trainer.step());
        while (trainer.step() < until) {
            CausalLmTrainer.StepResult r = trainer.trainStep();
            String problem = guard.checkStep(r.loss());
            if (problem != null) throw diverged("the training loss", r.step(), problem + " (lr " + r.lr() + ")");
            double bestBefore = trainer.bestValLoss();
            Map<String, Double> eval = trainer.evaluationDue() || trainer.step() == until ? trainer.evaluate() : null;
            bar.update(r.step(), r.loss(), eval == null ? Double.NaN : eval.getOrDefault("val", Double.NaN), r.tokens());
            if (eval != null) {
                last = eval;
                bar.println(describe(r.step(), eval));
                problem = guard.checkEvaluation(eval, trainer.model().namedParameters());
                if (problem != null) throw diverged("the evaluation", r.step(), problem);
                if (out != null) save(trainer.bestValLoss() < bestBefore);
            }
        }
        return last;
    }

    /**
     * Saves the latest checkpoint and, when its validation loss is the lowest so far, makes it the best one too.
     * Only rank 0 writes (every rank holds the same state); the others just name the directory.
     */
    private void save(boolean improved) throws IOException {
        if (!trainer.world().isRoot()) {
            lastGood = out;
            return;
        }
        lastGood = TrainingCheckpoint.save(out, trainer, tokenizer, runInfo);
        if (improved) {
            CheckpointStore store = TrainingCheckpoint.store(out);
            store.saveBest(lastGood, Map.of("val_loss", Double.toString(trainer.bestValLoss())));
        }
    }

    private TrainingDivergedException diverged(String quantity, int step, String problem) {
        return new TrainingDivergedException(quantity, "step", step, problem, lastGood, lastGood == null ? null : "--resume " + out);
    }

    /** "step 250: train loss 1.9803, val loss 2.0712" */
    static String describe(int step, Map<String, Double> losses) {
        StringBuilder sb = new StringBuilder("step " + step + ":");
        String sep = " ";
        for (var e : losses.entrySet()) {
            sb.append(sep).append(String.format(Locale.ROOT, "%s loss %.4f", e.getKey(), e.getValue()));
            sep = ", ";
        }
        return sb.toString();
    }
}
