package rlhf4j.rlhf.ppo;

/**
 * The coefficient β of the KL penalty −β·(log π − log π_ref). Fixed, or adaptive as in Ziegler et al. 2019:
 * e = clip(KL/target − 1, −0.2, 0.2);  β ← β·(1 + e·n/horizon), with KL the batch's mean per-sequence KL and n the
 * rollouts that produced it. β is the controller's whole state (saved in checkpoints).
 */
public final class KlController {
    private final boolean adaptive;
    private final double target, horizon;
    private double beta;

    public KlController(double initBeta, boolean adaptive, double target, double horizon) {
        this.beta = initBeta;
        this.adaptive = adaptive;
        this.target = target;
        this.horizon = horizon;
    }

    public double beta() { return beta; }

    /** Restores a saved β. */
    public void setBeta(double beta) { this.beta = beta; }

    /** Updates β after a batch whose mean per-sequence KL was {@code kl}, measured on n rollouts. */
    public void update(double kl, int n) {
        if (!adaptive) return;
        double error = Math.max(-0.2, Math.min(0.2, kl / target - 1));   // proportional error, clipped
        beta *= 1 + error * n / horizon;
    }
}
