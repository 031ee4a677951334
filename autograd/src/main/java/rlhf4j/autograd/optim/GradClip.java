package rlhf4j.autograd.optim;

import java.util.Collection;
import rlhf4j.autograd.Parameter;
import rlhf4j.tensor.MemoryScope;
import rlhf4j.tensor.Tensor;

/** Global gradient-norm clipping, as torch.nn.utils.clip_grad_norm_. */
public final class GradClip {
    private GradClip() {}

    /**
     * Computes the L2 norm of all gradients together, ‖g‖ = √(Σ_params Σ g²), and when it exceeds maxNorm scales
     * every gradient in place by maxNorm / (‖g‖ + 1e−6). Returns the norm before clipping (one host read).
     */
    public static double clipGradNorm(Collection<Parameter> params, double maxNorm) {
        double norm;
        try (var scratch = MemoryScope.open()) {
            Tensor sumSq = null;                                          // () accumulated on the device
            for (Parameter p : params) {
                if (p.grad() == null) continue;
                Tensor s = p.grad().sumOfSquares();
                sumSq = sumSq == null ? s : sumSq.add(s);
            }
            if (sumSq == null) return 0;
            norm = Math.sqrt(sumSq.item());
        }
        double scale = maxNorm / (norm + 1e-6);
        if (scale < 1)
            for (Parameter p : params) if (p.grad() != null) p.grad().mulInPlace(scale);
        return norm;
    }
}
