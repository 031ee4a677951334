package rlhf4j.transformer.train;

import rlhf4j.autograd.optim.CosineSchedule;

/**
 * The optimisation side of a training run (nanoGPT's train.py settings). One optimizer step sees
 * {@code batchSize × gradAccum} sequences of up to {@code blockSize} tokens.
 *
 * @param batchSize    sequences per micro-batch B
 * @param blockSize    tokens per sequence T
 * @param gradAccum    micro-batches whose gradients add up to one optimizer step
 * @param iters        optimizer steps in the whole run
 * @param lr           peak learning rate, reached after the warmup
 * @param minLr        the learning rate at the end of the cosine decay
 * @param warmup       steps of linear warmup
 * @param lrDecayIters the step where the cosine decay reaches minLr (nanoGPT's lr_decay_iters; usually = iters)
 * @param weightDecay  AdamW's decoupled weight decay, applied to matrices only (not biases, norms)
 * @param beta1        AdamW β1
 * @param beta2        AdamW β2
 * @param gradClip     global gradient-norm limit; 0 turns clipping off
 * @param evalInterval steps between evaluations (and checkpoints); 0 evaluates only at the end
 * @param evalIters    batches averaged per split at each evaluation
 * @param seed         seeds the data order (and the initial weights of a new model)
 */
public record TrainConfig(int batchSize, int blockSize, int gradAccum, int iters, double lr, double minLr, int warmup,
                          int lrDecayIters, double weightDecay, double beta1, double beta2, double gradClip,
                          int evalInterval, int evalIters, long seed) {

    public TrainConfig {
        positive("batch size", batchSize);
        positive("block size", blockSize);
        positive("gradient accumulation steps", gradAccum);
        positive("eval iters", evalIters);
        if (iters < 0) throw new IllegalArgumentException("iters " + iters + " must be >= 0");
        if (!(lr > 0) || !(minLr >= 0) || minLr > lr)
            throw new IllegalArgumentException("need 0 <= min lr <= lr and lr > 0, got lr " + lr + ", min lr " + minLr);
        if (warmup < 0 || lrDecayIters < warmup)
            throw new IllegalArgumentException("need 0 <= warmup <= lr decay iters, got " + warmup + ", " + lrDecayIters);
        if (!(weightDecay >= 0) || !(gradClip >= 0))
            throw new IllegalArgumentException("weight decay " + weightDecay + " and grad clip " + gradClip + " must be >= 0");
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
            throw new IllegalArgumentException("AdamW betas must be in [0, 1), got " + beta1 + ", " + beta2);
        if (evalInterval < 0) throw new IllegalArgumentException("eval interval " + evalInterval + " must be >= 0");
    }

    private static void positive(String what, int v) {
        if (v <= 0) throw new IllegalArgumentException(what + " " + v + " must be positive");
    }

    /**
     * nanoGPT's CPU "baby" run on tiny Shakespeare (its README): config/train_shakespeare_char.py with
     * block 64, batch 12, 2000 iters, lr 1e-3 decayed to 1e-4 over 2000 steps after 100 warmup steps, β2 0.99,
     * weight decay 0.1, clip 1.0, eval every 250 steps on 20 batches.
     */
    public static TrainConfig babyShakespeare() {
        return new TrainConfig(12, 64, 1, 2000, 1e-3, 1e-4, 100, 2000, 0.1, 0.9, 0.99, 1.0, 250, 20, 1337);
    }

    /** The learning rate at each step. */
    public CosineSchedule schedule() { return new CosineSchedule(lr, minLr, warmup, lrDecayIters); }

    /** Tokens that one optimizer step trains on (padding included). */
    public long tokensPerStep() { return (long) batchSize * blockSize * gradAccum; }
}
