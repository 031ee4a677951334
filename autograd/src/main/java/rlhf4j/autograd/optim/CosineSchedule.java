package rlhf4j.autograd.optim;

/**
 * Linear warmup then cosine decay:
 * lr(s) = maxLr·(s+1)/warmup for s &lt; warmup;
 * lr(s) = minLr + ½(maxLr − minLr)(1 + cos(π·(s − warmup)/(total − warmup))) for warmup ≤ s ≤ total;
 * lr(s) = minLr after total. Steps count from 0.
 */
public record CosineSchedule(double maxLr, double minLr, int warmupSteps, int totalSteps) {
    public CosineSchedule {
        if (warmupSteps < 0 || totalSteps < warmupSteps)
            throw new IllegalArgumentException("need 0 <= warmupSteps <= totalSteps, got " + warmupSteps + ", " + totalSteps);
        if (minLr > maxLr) throw new IllegalArgumentException("minLr " + minLr + " exceeds maxLr " + maxLr);
    }

    public double lr(int step) {
        if (step < warmupSteps) return maxLr * (step + 1) / warmupSteps;
        if (step >= totalSteps) return minLr;
        double progress = (double) (step - warmupSteps) / (totalSteps - warmupSteps);   // 0 → 1
        return minLr + 0.5 * (maxLr - minLr) * (1 + Math.cos(Math.PI * progress));
    }

    /** Sets the optimizer's learning rate for this step; returns it. */
    public double apply(Optimizer opt, int step) {
        double lr = lr(step);
        opt.setLr(lr);
        return lr;
    }
}
