package rlhf4j.transformer.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import rlhf4j.transformer.tokenizer.Tokenizer;

/**
 * The outer loop shared by pretraining and SFT: steps the trainer to {@code config.iters}, evaluates every
 * evalInterval steps and at the end, prints each evaluation on its own line, and saves a checkpoint after it.
 */
public final class TrainingRun {
    private final CausalLmTrainer trainer;
    private final Path out;
    private final Tokenizer tokenizer;
    private final Map<String, String> runInfo;
    private final ProgressBar bar;

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
        this.bar = bar;
    }

    /** Trains to the configured number of steps; returns the last evaluation's losses (empty if no step ran). */
    public Map<String, Double> run() throws IOException { return run(trainer.config().iters()); }

    /**
     * Trains to step {@code stopAt} (at most the configured iters), then evaluates and saves, so that a later
     * {@code --resume} finishes the run as if it had never stopped.
     */
    public Map<String, Double> run(int stopAt) throws IOException {
        int until = Math.min(stopAt, trainer.config().iters());
        Map<String, Double> last = Map.of();
        bar.start(trainer.step());
        while (trainer.step() < until) {
            CausalLmTrainer.StepResult r = trainer.trainStep();
            if (!Double.isFinite(r.loss()))
                throw new IllegalStateException("the loss became " + r.loss() + " at step " + r.step() + " (lr " + r.lr()
                        + "); try a lower --lr or --grad-clip");
            Map<String, Double> eval = trainer.evaluationDue() || trainer.step() == until ? trainer.evaluate() : null;
            bar.update(r.step(), r.loss(), eval == null ? Double.NaN : eval.getOrDefault("val", Double.NaN), r.tokens());
            if (eval != null) {
                last = eval;
                bar.println(describe(r.step(), eval));
                if (out != null) TrainingCheckpoint.save(out, trainer, tokenizer, runInfo);
            }
        }
        return last;
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
